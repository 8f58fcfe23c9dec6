// `bugserve gen`: a deterministic synthetic repository in git-bug's format
// version 4, plus the generator's own model of what it must compile to.

import { BadRequestError } from '../errors.js';
import { assignClocks } from './clocks.js';
import { expectedIdentity, planIdentities } from './identities.js';
import { commentCount, FEATURES, planBug, type BugPlan, type Feature } from './model.js';
import { Random } from './random.js';
import type { ExpectedBug, GeneratedRepo, GenerateOptions } from './types.js';
import { ensureBareRepo, runGit, writeRepository } from './write.js';

export const DEFAULT_SEED = 1;

/** 2019-01-01T00:00:00Z: bugs are created over the three years after it. */
const START = 1546300800;
const SPAN = 3 * 365 * 86400;

function spread(count: number, n: number): number[] {
  const out: number[] = [];
  for (let j = 0; j < count; j++) out.push(Math.floor(((j + 0.5) * n) / count));
  return out;
}

function toExpected(plan: BugPlan): ExpectedBug {
  const s = plan.snapshot;
  let editClock = 0;
  let createClock = 0;
  for (const p of plan.packs) {
    editClock = Math.max(editClock, p.editClock);
    createClock = Math.max(createClock, p.createClock);
  }
  return {
    id: plan.id,
    title: s.title,
    status: s.status,
    labels: [...s.labels],
    authorId: s.authorId,
    createdAt: s.createdAt,
    editedAt: s.editedAt,
    createClock,
    editClock,
    comments: s.comments.map((c) => ({ ...c })),
    participants: [...s.participants],
    actors: [...s.actors],
    timeline: [...s.timeline],
    opCounts: { ...s.opCounts },
    commits: plan.packs.length,
    merges: plan.merges.map((m) => ({
      clock: plan.packs[m.firstIdx].editClock,
      mergeClock: plan.packs[m.mergeIdx].editClock,
      firstParentPackId: plan.packs[m.firstIdx].id,
      secondParentPackId: plan.packs[m.secondIdx].id,
      firstParentAppliedFirst: m.firstParentAppliedFirst,
    })),
  };
}

export function validateOptions(opts: GenerateOptions): void {
  for (const [k, v] of [
    ['bugs', opts.bugs],
    ['identities', opts.identities],
    ['comments', opts.comments],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 0) throw new BadRequestError(`--${k} must be a whole number, not ${v}`);
  }
  if (opts.bugs > 0 && opts.identities < 1) throw new BadRequestError('bugs need at least one identity (--identities 1)');
  const seed = opts.seed ?? DEFAULT_SEED;
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffffffff) throw new BadRequestError(`--seed must be between 0 and 4294967295`);
}

/** Plans everything in memory (no I/O), deterministically from the seed. */
export function plan(opts: GenerateOptions) {
  validateOptions(opts);
  const seed = opts.seed ?? DEFAULT_SEED;
  const rng = new Random(seed);
  const identities = planIdentities(rng.fork(), opts.identities, START, SPAN);
  const identityIds = identities.map((i) => i.id);

  const n = opts.bugs;
  const concurrentCount = n < 4 ? n : Math.max(4, Math.round(n * 0.02));
  const concurrentAt = new Map(spread(concurrentCount, n).map((bugIndex, k) => [bugIndex, k]));
  const bigCount = n >= 1000 ? Math.max(3, Math.round(n / 2500)) : 0;
  const big = new Set(spread(bigCount, n).map((i) => Math.min(n - 1, i + 1)));
  const forced = new Map<number, Feature[]>();
  FEATURES.forEach((f, j) => {
    if (n === 0) return;
    const i = (j * 5 + 1) % n;
    forced.set(i, [...(forced.get(i) ?? []), f]);
  });

  const bugRng = rng.fork();
  const bugs: BugPlan[] = [];
  for (let i = 0; i < n; i++) {
    const r = bugRng.fork();
    const createdAt = START + Math.floor((i * SPAN) / Math.max(1, n)) + r.int(0, 3600);
    const comments = big.has(i) ? r.int(500, 800) : commentCount(r, opts.comments);
    bugs.push(
      planBug(r, {
        index: i,
        identityIds,
        createdAt,
        comments,
        features: new Set(forced.get(i) ?? []),
        concurrent: concurrentAt.get(i) ?? -1,
      }),
    );
  }
  assignClocks(bugs, identities);
  return { seed, identities, bugs };
}

export async function generate(opts: GenerateOptions): Promise<GeneratedRepo> {
  const t0 = performance.now();
  const { seed, identities, bugs } = plan(opts);
  const tGit = performance.now();
  await ensureBareRepo(opts.path);
  const { commits } = await writeRepository(opts.path, identities, bugs);
  if (opts.packedRefs) await runGit(['--git-dir', opts.path, 'pack-refs', '--all']);
  const t1 = performance.now();

  const expected = bugs.map(toExpected);
  return {
    path: opts.path,
    seed,
    bugs: expected,
    identities: identities.map(expectedIdentity),
    stats: {
      bugs: bugs.length,
      identities: identities.length,
      commits,
      operations: expected.reduce((sum, b) => sum + Object.values(b.opCounts).reduce((a, c) => a + c, 0), 0),
      merges: expected.reduce((sum, b) => sum + b.merges.length, 0),
      seconds: (t1 - t0) / 1000,
      gitSeconds: (t1 - tGit) / 1000,
    },
  };
}
