// git-bug's refs as an open diffs them against the index: the bug refs cut
// into catalog shards, each shard's headsDigest, and the identity refs.
//
// Why cut here, and why from packed and loose apart: every pass over 10k refs
// costs an open 5-20 ms on this kind of machine, and after a push only one
// shard's refs moved. From ref files, the shards and digests of packed-refs'
// refs are worked out once per packed-refs file (its parsed map is shared
// while the file is unchanged, ref-files.ts) and kept beside it; an open then
// redoes only the shards a loose ref falls in. A store without ref files
// (reftable) is listed whole and cut on every open.

import { BUGS_PREFIX, IDENTITIES_PREFIX } from '../gitbug/refs.js';
import type { GitStore } from '../git/store.js';
import { inNameOrder, withLooseRefs } from '../git/ref-files.js';
import { headsDigest, SHARDS, shardOf } from './catalog.js';

export interface ListedRefs {
  /** per catalog shard: its bug refs (full name -> head), in name order */
  readonly shards: readonly ReadonlyMap<string, string>[];
  /** per catalog shard: the headsDigest of its refs */
  readonly digests: readonly string[];
  readonly identities: ReadonlyMap<string, string>;
}

type Sharded = Pick<ListedRefs, 'shards' | 'digests'>;

/** The shards of a packed bug-ref map, worked out once per map (ref-files shares one per packed-refs file). */
const ofPacked = new WeakMap<ReadonlyMap<string, string>, Sharded>();

/** Lists git-bug's refs through `store`, as ListedRefs. */
export async function listRefs(store: GitStore): Promise<ListedRefs> {
  const bugFiles = store.readRefFiles?.(BUGS_PREFIX);
  const identityFiles = bugFiles && store.readRefFiles?.(IDENTITIES_PREFIX);
  if (!bugFiles || !identityFiles) {
    const [bugs, identities] = await Promise.all([store.listRefs(BUGS_PREFIX), store.listRefs(IDENTITIES_PREFIX)]);
    return { ...shardRefs(bugs), identities };
  }
  let packed = ofPacked.get(bugFiles.packed);
  if (!packed) ofPacked.set(bugFiles.packed, (packed = shardRefs(bugFiles.packed)));
  const identities = withLooseRefs(identityFiles.packed, identityFiles.loose);
  if (bugFiles.loose.size === 0) return { ...packed, identities };
  const looseByShard = new Map<number, Map<string, string>>();
  for (const [ref, head] of bugFiles.loose) {
    const k = shardOf(ref.slice(BUGS_PREFIX.length));
    let shard = looseByShard.get(k);
    if (!shard) looseByShard.set(k, (shard = new Map<string, string>()));
    shard.set(ref, head);
  }
  const shards = [...packed.shards];
  const digests = [...packed.digests];
  for (const [k, loose] of looseByShard) {
    shards[k] = withLooseRefs(shards[k], loose);
    digests[k] = digestOf(shards[k]);
  }
  return { shards, digests, identities };
}

/** The shards and digests of `bugRefs` (any order), from a listing of the whole namespace. */
export function shardRefs(bugRefs: ReadonlyMap<string, string>): Sharded {
  const shards = Array.from({ length: SHARDS }, () => new Map<string, string>());
  let previous = '';
  for (const [ref, head] of bugRefs) {
    // Listed in name order (git's, and ref-files.ts's): ids in order.
    if (ref < previous) return shardRefs(inNameOrder(bugRefs));
    previous = ref;
    shards[shardOf(ref.slice(BUGS_PREFIX.length))].set(ref, head);
  }
  return { shards, digests: shards.map(digestOf) };
}

/** A shard's headsDigest, from its refs in name order. */
function digestOf(shard: ReadonlyMap<string, string>): string {
  return headsDigest([...shard].map(([ref, head]) => [ref.slice(BUGS_PREFIX.length), head]));
}

/** The bug refs of `shards` (all of them when absent), as one map in name order. */
export function bugRefsOf(listed: ListedRefs, shards?: Iterable<number>): ReadonlyMap<string, string> {
  const picked = shards ? [...shards].sort((a, b) => a - b) : listed.shards.keys();
  const out = new Map<string, string>();
  let ordered = true;
  let previous = '';
  for (const k of picked) {
    for (const [ref, head] of listed.shards[k]) {
      if (ref < previous) ordered = false;
      out.set((previous = ref), head);
    }
  }
  // Shards in order are ids in order, except refs that do not name a valid id (damaged bugs), which go anywhere.
  return ordered ? out : inNameOrder(out);
}
