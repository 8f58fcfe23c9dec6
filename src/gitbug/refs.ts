// The ref namespaces git-bug keeps its data in. Everything that reads them,
// watches them or tells the server they moved imports them from here.

import { createHash } from 'node:crypto';

export const BUGS_PREFIX = 'refs/bugs/';
export const IDENTITIES_PREFIX = 'refs/identities/';

/** Every namespace whose change alters what the bug cache holds. */
export const GITBUG_REF_PREFIXES = [BUGS_PREFIX, IDENTITIES_PREFIX] as const;

/** True for a ref in one of git-bug's namespaces. */
export function isGitBugRef(ref: string): boolean {
  return GITBUG_REF_PREFIXES.some((p) => ref.startsWith(p));
}

/**
 * A fingerprint of git-bug's refs as listed (ref name -> head): equal
 * fingerprints, equal refs. A cache built from one listing proves with it
 * that a later listing changed nothing.
 */
export function refsDigest(bugs: ReadonlyMap<string, string>, identities: ReadonlyMap<string, string>): string {
  const hash = createHash('sha1');
  for (const refs of [bugs, identities]) {
    const lines = [...refs].map(([ref, head]) => `${ref} ${head}\n`);
    // Listing order is the backend's; the fingerprint is of the set.
    lines.sort();
    hash.update(lines.join(''));
  }
  return hash.digest('hex');
}
