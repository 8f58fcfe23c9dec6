// What to generate for one bug: its operations, grouped into packs (one per
// commit), and the shape of its DAG, including concurrent edits joined by a
// merge commit. The expected compiled state is replayed as the ops are made.

import { HOSTILE_LABELS, LABELS, longTitle, message, title } from './content.js';
import { encodeOp, encodePack, sha256Hex, type EncodedOp, type OpSpec } from './ops.js';
import type { Random } from './random.js';
import { Snapshot } from './snapshot.js';
import type { ExpectedBug } from './types.js';

const HOSTILE = 0.12;

export interface PackPlan {
  authorIdx: number;
  /** a merge commit: its pack has no operations */
  merge: boolean;
  /** the ops blob; released once handed to git (see blobMark) */
  blob: Buffer | null;
  /** fast-import mark of the blob, once written */
  blobMark: number;
  /** sha256 of the blob: git-bug's tie-breaker between equal edit clocks */
  id: string;
  /** indices into BugPlan.packs */
  parents: number[];
  /** clock group within the bug: packs sharing it get the same edit clock */
  seq: number;
  /** when it happened (first op timestamp, or the merge time): orders clock assignment */
  eventTime: number;
  /** committer time */
  commitTime: number;
  editClock: number;
  /** 0 except on the root */
  createClock: number;
}

export interface MergePlan {
  firstIdx: number;
  secondIdx: number;
  mergeIdx: number;
  firstParentAppliedFirst: boolean;
}

export interface BugPlan {
  index: number;
  id: string;
  packs: PackPlan[];
  merges: MergePlan[];
  /** the compiled state; clocks and merge facts are filled in once clocks are assigned */
  expected: ExpectedBug;
}

/** Rare cases that each appear at least once, whatever the repository size. */
export const FEATURES = [
  'editCreate',
  'editNonComment',
  'editUnknownTarget',
  'noop',
  'setMetadata',
  'longTitle',
  'hostileTitle',
  'unicodeLabels',
  'forceLabels',
  'redundantStatus',
  'closeReopen',
  'multiOpRoot',
] as const;
export type Feature = (typeof FEATURES)[number];

export interface BugContext {
  index: number;
  identityIds: readonly string[];
  createdAt: number;
  comments: number;
  features: ReadonlySet<Feature>;
  /** index among concurrent bugs, or -1 */
  concurrent: number;
}

type Action =
  | 'comment'
  | 'title'
  | 'status'
  | 'redundantStatus'
  | 'label'
  | 'forceLabel'
  | 'unicodeLabels'
  | 'edit'
  | 'editCreate'
  | 'editNonComment'
  | 'editUnknown'
  | 'noop'
  | 'meta';

function labelFrom(rng: Random): string {
  return rng.chance(0.2) ? rng.pick(HOSTILE_LABELS) : rng.pick(LABELS);
}

function importMetadata(rng: Random, n: number): Record<string, string> | undefined {
  if (!rng.chance(0.1)) return undefined;
  return {
    'github-id': rng.base64(12),
    'github-url': `https://github.com/example/project/issues/${n}#issuecomment-${rng.int(1000, 99999)}${rng.chance(0.3) ? '&x=<y>' : ''}`,
  };
}

class BugBuilder {
  readonly snap = new Snapshot();
  readonly packs: PackPlan[] = [];
  readonly merges: MergePlan[] = [];
  now: number;
  seq = 0;
  private readonly pool: number[];

  constructor(
    private readonly rng: Random,
    private readonly ctx: BugContext,
  ) {
    this.now = ctx.createdAt;
    const m = ctx.identityIds.length;
    const creator = rng.int(0, m - 1);
    const extra = Math.min(m - 1, ctx.comments > 100 ? rng.int(5, 25) : rng.int(1, 6));
    const pool = new Set([creator]);
    while (pool.size < extra + 1) pool.add(rng.int(0, m - 1));
    this.pool = [...pool];
  }

  get creator(): number {
    return this.pool[0];
  }

  author(): number {
    return this.rng.chance(0.4) ? this.creator : this.rng.pick(this.pool);
  }

  otherAuthor(not: number): number {
    const m = this.ctx.identityIds.length;
    if (m === 1) return not;
    let a = this.rng.pick(this.pool);
    while (a === not) a = this.rng.int(0, m - 1);
    return a;
  }

  tick(): number {
    this.now += this.rng.int(1, 30);
    return this.now;
  }

  gap(): void {
    const r = this.rng.float();
    const big = this.ctx.comments > 100;
    if (r < 0.4 || big) this.now += this.rng.int(30, 900);
    else if (r < 0.85) this.now += this.rng.int(900, 86400);
    else this.now += this.rng.int(86400, 86400 * 45);
  }

  /** One operation for `action`, made against the state `st` (a clone on a concurrent branch). */
  makeOp(action: Action, st: Snapshot): OpSpec | null {
    const rng = this.rng;
    const base = { timestamp: this.tick(), nonce: rng.base64(20), metadata: importMetadata(rng, this.ctx.index) };
    switch (action) {
      case 'comment':
        return { ...base, type: 3, message: message(rng, HOSTILE) };
      case 'title':
        return { ...base, type: 2, title: title(rng, HOSTILE), was: st.lastTitleOpTitle };
      case 'status':
        return { ...base, type: 4, status: st.status === 'open' ? 2 : 1 };
      case 'redundantStatus':
        return { ...base, type: 4, status: st.status === 'open' ? 1 : 2 };
      case 'label': {
        // like git-bug's ChangeLabels: only real changes, an empty side is null
        const added = new Set<string>();
        for (let i = rng.int(st.labels.length > 0 ? 0 : 1, 2); i > 0; i--) {
          const l = labelFrom(rng);
          if (!st.labels.includes(l)) added.add(l);
        }
        const removed = st.labels.length > 0 && rng.chance(0.4) ? [rng.pick(st.labels)] : [];
        if (added.size === 0 && removed.length === 0) return null;
        return { ...base, type: 5, added: added.size ? [...added] : null, removed: removed.length ? removed : null };
      }
      case 'forceLabel': {
        // like git-bug's ForceChangeLabels (importers): no checks, empty side is []
        const present = st.labels.length > 0 ? [rng.pick(st.labels)] : [];
        return { ...base, type: 5, added: [...present, labelFrom(rng)], removed: ['never-set-label', ...present] };
      }
      case 'unicodeLabels':
        return { ...base, type: 5, added: ['🐛 bug', '\uff30\uff11 fullwidth', 'עברית', 'caf\u00e9', 'cafe\u0301'], removed: [] };
      case 'edit':
      case 'editCreate': {
        const c = action === 'editCreate' ? st.comments[0] : rng.pick(st.comments);
        return { ...base, type: 6, target: c.opId, message: message(rng, HOSTILE, true) };
      }
      case 'editNonComment': {
        const others = st.timeline.filter((t) => t.type !== 'create' && t.type !== 'comment');
        const hidden = [...st.opIds[6], ...st.opIds[7], ...st.opIds[8]];
        const target = others.length > 0 ? rng.pick(others).opId : hidden.length > 0 ? rng.pick(hidden) : null;
        if (target === null) return null;
        return { ...base, type: 6, target, message: 'this edit targets something that is not a comment' };
      }
      case 'editUnknown':
        return { ...base, type: 6, target: sha256Hex(rng.base64(16)), message: 'this edit targets an unknown operation' };
      case 'noop':
        return {
          ...base,
          type: 7,
          metadata: { origin: 'bridge', 'bridge-note': `sync <run ${rng.int(1, 999)}> & done`, ...base.metadata },
        };
      case 'meta': {
        const all = st.opIds.flat();
        return {
          ...base,
          type: 8,
          target: rng.pick(all),
          newMetadata: { 'github-url': `https://github.com/example/project/issues/${this.ctx.index}`, imported: 'yes' },
        };
      }
    }
  }

  encode(spec: OpSpec): EncodedOp {
    return encodeOp(spec);
  }

  pushPack(authorIdx: number, ops: EncodedOp[] | null, parents: number[], seq: number, mergeTime = 0): number {
    const blob = encodePack(this.ctx.identityIds[authorIdx], ops);
    const first = ops ? ops[0].spec.timestamp : mergeTime;
    const last = ops ? ops[ops.length - 1].spec.timestamp : mergeTime;
    this.packs.push({
      authorIdx,
      merge: ops === null,
      blob,
      blobMark: 0,
      id: sha256Hex(blob),
      parents,
      seq,
      eventTime: first,
      // git-bug commits a moment after the operations are made
      commitTime: ops ? last + this.rng.int(0, 5) : mergeTime,
      editClock: 0,
      createClock: 0,
    });
    return this.packs.length - 1;
  }

  /** A linear pack on top of the head, applied to the snapshot. */
  linearPack(authorIdx: number, actions: Action[]): void {
    this.gap();
    const ops: EncodedOp[] = [];
    for (const a of actions) {
      const spec = this.makeOp(a, this.snap);
      if (!spec) continue;
      const op = this.encode(spec);
      this.snap.apply(op, this.ctx.identityIds[authorIdx]);
      ops.push(op);
    }
    if (ops.length === 0) return;
    this.pushPack(authorIdx, ops, [this.packs.length - 1], ++this.seq);
  }

  root(actions: Action[], longOrHostile: 'long' | 'hostile' | null): void {
    const rng = this.rng;
    const author = this.creator;
    const t =
      longOrHostile === 'long'
        ? longTitle(rng)
        : longOrHostile === 'hostile'
          ? '"><img src=x onerror=alert(1)> <script>alert(1)</script>'
          : title(rng, HOSTILE);
    const create = this.encode({
      type: 1,
      timestamp: this.now,
      nonce: rng.base64(20),
      metadata: importMetadata(rng, this.ctx.index),
      title: t,
      message: message(rng, HOSTILE, true),
    });
    this.snap.apply(create, this.ctx.identityIds[author]);
    const ops = [create];
    for (const a of actions) {
      const spec = this.makeOp(a, this.snap);
      if (!spec) continue;
      const op = this.encode(spec);
      this.snap.apply(op, this.ctx.identityIds[author]);
      ops.push(op);
    }
    this.pushPack(author, ops, [], 0);
  }

  /**
   * Two clones edit the same head: their first commits get EQUAL edit clocks,
   * git-bug orders them by pack id, and a merge commit without operations
   * joins them. `k` picks which of the four cases this is: whether the first
   * parent's pack has the smaller id, and whether the smaller id also has the
   * later timestamps (so ordering by time would be wrong).
   */
  concurrent(k: number): void {
    const rng = this.rng;
    const ids = this.ctx.identityIds;
    const fork = this.packs.length - 1;
    const wantFirstSmaller = k % 2 === 0;
    const wantSmallerLater = k % 4 < 2;
    const withX2 = k % 3 === 1;
    const authorX = this.author();
    const authorY = this.otherAuthor(authorX);
    this.gap();
    const t0 = this.now;

    let x1: EncodedOp[] = [];
    let y: EncodedOp[] = [];
    let stX = this.snap;
    let idX = '';
    let idY = '';
    for (let attempt = 0; ; attempt++) {
      stX = this.snap.clone();
      const stY = this.snap.clone();
      // each side starts a little after the fork; which one is earlier varies
      const tX = t0 + rng.int(1, 600);
      const tY = t0 + rng.int(1, 600);
      const branch = (st: Snapshot, start: number, actions: Action[], author: number) => {
        this.now = start;
        const ops: EncodedOp[] = [];
        for (const a of actions) {
          const spec = this.makeOp(a, st);
          if (!spec) continue;
          const op = this.encode(spec);
          st.apply(op, ids[author]);
          ops.push(op);
        }
        return ops;
      };
      // both sides retitle, comment, and edit the first comment: the result depends on the order
      x1 = branch(stX, tX, ['title', 'comment', 'editCreate'], authorX);
      const endX = this.now;
      y = branch(stY, tY, ['title', 'editCreate', 'comment', 'label'], authorY);
      this.now = Math.max(this.now, endX);
      idX = sha256Hex(encodePack(ids[authorX], x1));
      idY = sha256Hex(encodePack(ids[authorY], y));
      const fx = x1[0].spec.timestamp;
      const fy = y[0].spec.timestamp;
      const smallerLater = idX < idY ? fx > fy : fy > fx;
      if ((fx !== fy && smallerLater === wantSmallerLater) || attempt > 64) break;
    }

    const seq = ++this.seq;
    const xIdx = this.pushPack(authorX, x1, [fork], seq);
    const yIdx = this.pushPack(authorY, y, [fork], seq);
    // apply both to the real snapshot in git-bug's order: smaller pack id first
    const [first, firstAuthor, second, secondAuthor] = idX < idY ? [x1, authorX, y, authorY] : [y, authorY, x1, authorX];
    for (const op of first) this.snap.apply(op, ids[firstAuthor]);
    for (const op of second) this.snap.apply(op, ids[secondAuthor]);

    let xLast = xIdx;
    if (withX2) {
      // a second commit on one side only: its clock is one more than the pair's
      this.gap();
      const ops: EncodedOp[] = [];
      for (const a of ['comment', 'status'] as Action[]) {
        const op = this.encode(this.makeOp(a, stX)!);
        stX.apply(op, ids[authorX]);
        this.snap.apply(op, ids[authorX]);
        ops.push(op);
      }
      xLast = this.pushPack(authorX, ops, [xIdx], ++this.seq);
    }

    // the merge: made by whoever pulled, possibly someone else entirely
    this.now += rng.int(60, 3600);
    const mergeAuthor = rng.chance(0.5) ? authorX : rng.int(0, ids.length - 1);
    // git-bug's reader visits the DAG breadth-first and needs the longer
    // branch as the first parent, or it fails on its own data ("DFS failed").
    const firstIsX = withX2 || idX < idY === wantFirstSmaller;
    const parents = firstIsX ? [xLast, yIdx] : [yIdx, xLast];
    const mergeIdx = this.pushPack(mergeAuthor, null, parents, ++this.seq, this.now);
    this.merges.push({
      firstIdx: firstIsX ? xIdx : yIdx,
      secondIdx: firstIsX ? yIdx : xIdx,
      mergeIdx,
      firstParentAppliedFirst: firstIsX === idX < idY,
    });
  }
}

function commentCount(rng: Random, k: number): number {
  if (k === 0) return 0;
  // skewed: most bugs have a few comments, some many; the mean stays about k
  const n = Math.floor(-Math.log(1 - rng.float()) * k);
  return Math.min(n, 6 * k + 5);
}

export { commentCount };

export function planBug(rng: Random, ctx: BugContext): BugPlan {
  const b = new BugBuilder(rng, ctx);
  const f = ctx.features;
  const queue: Action[] = [];
  for (let i = 0; i < ctx.comments; i++) queue.push('comment');
  if (rng.chance(0.25)) queue.push('title');
  if (rng.chance(0.05)) queue.push('title', 'title');
  const statusChanges = f.has('closeReopen') ? 3 : rng.chance(0.45) ? (rng.chance(0.3) ? rng.int(2, 3) : 1) : 0;
  for (let i = 0; i < statusChanges; i++) queue.push('status');
  for (let i = rng.int(0, 3); i > 0; i--) queue.push('label');
  for (let i = Math.round(ctx.comments * 0.1 * rng.float() * 2); i > 0; i--) queue.push('edit');
  if (f.has('editCreate') || rng.chance(0.08)) queue.push('editCreate');
  if (f.has('noop') || rng.chance(0.03)) queue.push('noop');
  if (f.has('setMetadata') || rng.chance(0.03)) queue.push('meta');
  if (f.has('editUnknownTarget') || rng.chance(0.01)) queue.push('editUnknown');
  if (f.has('forceLabels') || rng.chance(0.03)) queue.push('forceLabel');
  if (f.has('unicodeLabels') || rng.chance(0.01)) queue.push('unicodeLabels');
  rng.shuffle(queue);
  // status changes alternate whatever their position; a redundant one repeats the current status
  if (f.has('redundantStatus') || rng.chance(0.02)) queue.push('status', 'redundantStatus');
  if (f.has('editNonComment') || rng.chance(0.02)) queue.push('title', 'editNonComment');

  const rootActions: Action[] = [];
  if (f.has('multiOpRoot') || rng.chance(0.2)) {
    rootActions.push('label');
    if (rng.chance(0.5) || f.has('multiOpRoot')) rootActions.push('comment');
  }
  b.root(rootActions, f.has('longTitle') ? 'long' : f.has('hostileTitle') ? 'hostile' : null);

  // where the concurrent edit happens; the first concurrent bug ends with its merge
  const concurrentAt = ctx.concurrent < 0 ? -1 : ctx.concurrent === 0 ? queue.length : rng.int(0, queue.length);
  let i = 0;
  while (i <= queue.length) {
    if (i === concurrentAt) {
      b.concurrent(ctx.concurrent);
      if (i === queue.length) break;
    }
    if (i === queue.length) break;
    const size = rng.chance(0.7) ? 1 : rng.int(2, 4);
    const end = Math.min(queue.length, i + size, concurrentAt > i ? concurrentAt : queue.length);
    b.linearPack(b.author(), queue.slice(i, end));
    i = end;
  }
  return { index: ctx.index, id: b.snap.id, packs: b.packs, merges: b.merges, expected: toExpected(b.snap, b.packs.length) };
}

function toExpected(s: Snapshot, commits: number): ExpectedBug {
  return {
    id: s.id,
    title: s.title,
    status: s.status,
    labels: s.labels,
    authorId: s.authorId,
    createdAt: s.createdAt,
    editedAt: s.editedAt,
    createClock: 0,
    editClock: 0,
    comments: s.comments,
    participants: s.participants,
    actors: s.actors,
    timeline: s.timeline,
    opCounts: s.opCounts,
    commits,
    merges: [],
  };
}

/** Fills in what only the clocks decide. */
export function finishExpected(plan: BugPlan): ExpectedBug {
  const e = plan.expected;
  for (const p of plan.packs) {
    e.editClock = Math.max(e.editClock, p.editClock);
    e.createClock = Math.max(e.createClock, p.createClock);
  }
  e.merges = plan.merges.map((m) => ({
    clock: plan.packs[m.firstIdx].editClock,
    mergeClock: plan.packs[m.mergeIdx].editClock,
    firstParentPackId: plan.packs[m.firstIdx].id,
    secondParentPackId: plan.packs[m.secondIdx].id,
    firstParentAppliedFirst: m.firstParentAppliedFirst,
  }));
  return e;
}
