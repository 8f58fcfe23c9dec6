// `bugserve gen`: a deterministic synthetic repository in git-bug's format
// version 4, plus the generator's own model of what it must compile to.

import { BadRequestError } from '../errors.js';
import { assignClocks } from './clocks.js';
import { expectedIdentity, planIdentities, type IdentityPlan } from './identities.js';
import { commentCount, FEATURES, finishExpected, planBug, type BugPlan, type Feature } from './model.js';
import { Random } from './random.js';
import type { GeneratedRepo, GenerateOptions } from './types.js';
import { ensureBareRepo, FastImport, runGit, writeBugBlobs, writeBugCommits, writeIdentity } from './write.js';

export const DEFAULT_SEED = 1;

/** 2019-01-01T00:00:00Z: bugs are created over the three years after it. */
const START = 1546300800;
const SPAN = 3 * 365 * 86400;

function spread(count: number, n: number): number[] {
  const out: number[] = [];
  for (let j = 0; j < count; j++) out.push(Math.floor(((j + 0.5) * n) / count));
  return out;
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

/** Deterministic from the seed: identities first, then each bug in turn. */
function* planAll(opts: GenerateOptions, seed: number): Generator<IdentityPlan[] | BugPlan> {
  const rng = new Random(seed);
  const identities = planIdentities(rng.fork(), opts.identities, START, SPAN);
  yield identities;
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
  for (let i = 0; i < n; i++) {
    const r = bugRng.fork();
    const createdAt = START + Math.floor((i * SPAN) / Math.max(1, n)) + r.int(0, 3600);
    const comments = big.has(i) ? r.int(500, 800) : commentCount(r, opts.comments);
    yield planBug(r, {
      index: i,
      identityIds,
      createdAt,
      comments,
      features: new Set(forced.get(i) ?? []),
      concurrent: concurrentAt.get(i) ?? -1,
    });
  }
}

export async function generate(opts: GenerateOptions): Promise<GeneratedRepo> {
  validateOptions(opts);
  const seed = opts.seed ?? DEFAULT_SEED;
  const t0 = performance.now();
  await ensureBareRepo(opts.path);
  const fi = FastImport.start(opts.path);
  let identities: IdentityPlan[] = [];
  const bugs: BugPlan[] = [];
  let gitMs = 0;
  try {
    for (const item of planAll(opts, seed)) {
      if (Array.isArray(item)) identities = item;
      else {
        // blobs go to git while the next bugs are planned
        writeBugBlobs(fi, item);
        bugs.push(item);
        await fi.pace();
      }
    }
    assignClocks(bugs, identities);
    const zones = identities.map((i) => i.zone);
    for (const id of identities) writeIdentity(fi, id);
    for (const bug of bugs) {
      writeBugCommits(fi, bug, zones);
      await fi.pace();
    }
    const tWait = performance.now();
    await fi.finish();
    if (opts.packedRefs) await runGit(['--git-dir', opts.path, 'pack-refs', '--all']);
    gitMs = performance.now() - tWait;
  } catch (err) {
    fi.abort();
    throw err;
  }

  const expected = bugs.map(finishExpected);
  return {
    path: opts.path,
    seed,
    bugs: expected,
    identities: identities.map(expectedIdentity),
    stats: {
      bugs: bugs.length,
      identities: identities.length,
      commits: fi.commits,
      operations: expected.reduce((sum, b) => sum + Object.values(b.opCounts).reduce((a, c) => a + c, 0), 0),
      merges: expected.reduce((sum, b) => sum + b.merges.length, 0),
      seconds: (performance.now() - t0) / 1000,
      gitSeconds: gitMs / 1000,
    },
  };
}
