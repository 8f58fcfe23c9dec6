// `npm run bench`: prepares the data (cached under benchmarks/.data), runs
// every figure of the benchmarks issue, and rewrites benchmarks/RESULTS.md.
// Options: --quick (few runs, for trying the harness), --only=cold,warm,...
// Sections: cold, warm, eventloop, memory, throughput, push, code.

import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { codeSection } from './code.js';
import { coldSection, type ColdPlan } from './cold.js';
import { eventLoopSection } from './eventloop.js';
import { corpus, corpusAvailable, CORPUS_BUNDLE, generated, manySmall, PROJECT_ROOT, type Dataset } from './lib/data.js';
import { describeMachine, loadAverage } from './lib/machine.js';
import { table, type Section } from './lib/report.js';
import { countObjects } from './lib/run-git.js';
import { memorySection } from './memory.js';
import { pushSection } from './push.js';
import { throughputSection } from './throughput.js';
import { warmSection } from './warm.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const wants = (name: string) => !only || only.includes(name);
const out = path.join(PROJECT_ROOT, 'benchmarks', quick || only ? 'RESULTS.partial.md' : 'RESULTS.md');

const started = performance.now();
const log = (s: string) => process.stdout.write(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${s}\n`);

const machine = describeMachine();
const loadAtStart = loadAverage();
log(`bugserve benchmarks${quick ? ' (quick)' : ''}; load average ${loadAtStart}`);

// Data: 1,000 identities and about six comments a bug; the generator gives a
// few bugs 500+ comments once there are 1,000 bugs.
const gen = (bugs: number, refs: 'loose' | 'packed') => generated({ bugs, identities: 1000, comments: 6, seed: 1 }, refs, log);
// Only the sections that read bugs need the bug data (`--only=code` skips writing it).
const bugData = ['cold', 'warm', 'eventloop', 'memory', 'throughput', 'push'].some(wants);
const k1 = bugData ? { loose: await gen(1000, 'loose'), packed: await gen(1000, 'packed') } : (undefined as never);
const k10 = bugData ? { loose: await gen(10_000, 'loose'), packed: await gen(10_000, 'packed') } : (undefined as never);
const real = { loose: corpus('loose'), packed: corpus('packed') };
const notes: string[] = [];
if (!corpusAvailable()) notes.push(`The corpus rows are skipped: ${CORPUS_BUNDLE} is absent.`);

const sections: Section[] = [];
const run = async (name: string, fn: () => Promise<Section>) => {
  if (!wants(name)) return;
  log(`${name}...`);
  const t = performance.now();
  try {
    const s = await fn();
    s.body += `\n\n_Section time ${((performance.now() - t) / 1000).toFixed(0)} s; load average after it ${loadAverage()}._`;
    sections.push(s);
  } catch (err) {
    log(`${name} failed: ${(err as Error).stack}`);
    sections.push({ title: name, body: `**This section failed:** ${(err as Error).message}`, targets: [] });
  }
};

await run('cold', () => {
  const plans: ColdPlan[] = [];
  const r = quick ? 1 : 5;
  for (const refs of ['loose', 'packed'] as const) {
    const c = real[refs];
    if (c)
      plans.push(
        { dataset: c, backend: 'cat-file', runs: r, timeoutMs: 60_000 },
        { dataset: c, backend: 'isomorphic-git', runs: quick ? 1 : 2, timeoutMs: 120_000 },
      );
    plans.push(
      { dataset: k1[refs], backend: 'cat-file', runs: r, timeoutMs: 60_000 },
      { dataset: k1[refs], backend: 'isomorphic-git', runs: quick ? 1 : 2, timeoutMs: 120_000 },
      { dataset: k10[refs], backend: 'cat-file', runs: quick ? 1 : 3, timeoutMs: 120_000 },
    );
  }
  // isomorphic-git needs over a minute for 10k bugs: one run, loose refs only.
  if (!quick) plans.push({ dataset: k10.loose, backend: 'isomorphic-git', runs: 1, timeoutMs: 180_000 });
  return coldSection(plans, quick ? [k1.loose] : [k1.loose, k10.loose], log);
});
await run('warm', () =>
  warmSection(
    [
      { dataset: k10.loose, samples: quick ? 50 : 200, perRequestRuns: 1 },
      { dataset: k1.loose, samples: quick ? 50 : 100, perRequestRuns: quick ? 1 : 2 },
    ],
    log,
  ),
);
await run('eventloop', () => eventLoopSection(k10.loose, k1.loose, quick ? 1 : 2, log));
// 1,000 small repositories, eight at a time: the figure. Opening a
// repository's first worker takes ~0.3 s here, so this is the longest section.
await run('memory', async () => memorySection([k1.loose, k10.loose], await manySmall(quick ? 50 : 1000, log), log));
await run('throughput', () => throughputSection(k10.loose, quick ? 2 : 5, log));
await run('push', () => pushSection(k10.loose, quick ? 1 : 3, log));
await run('code', () => codeSection(quick, log));

// RESULTS.md
const dataRows: string[][] = [];
for (const ds of [real.loose, k1?.loose, k10?.loose].filter((d): d is Dataset => d !== undefined)) {
  const refs = execFileSync('git', ['--git-dir', ds.path, 'for-each-ref', '--format=x', 'refs/bugs/', 'refs/identities/'], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean).length;
  dataRows.push([
    ds.label,
    ds.bugs.toLocaleString('en-US'),
    (refs - ds.bugs).toLocaleString('en-US'),
    countObjects(ds.path).toLocaleString('en-US'),
    ds.name.replace(/-loose$/, '-{loose,packed}'),
  ]);
}
const targets = sections.flatMap((s) => s.targets);
const totalS = (performance.now() - started) / 1000;
const md = [
  '# bugserve benchmarks',
  '',
  `Written by \`npm run bench\` (benchmarks/run.ts) on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, in ${Math.round(totalS)} s. ` +
    'Every figure is a median with min and max over repeated runs (or p50/p99 over many requests), with its ratio to a baseline measured in the same run; each section names its baseline. See docs/benchmarks.md for the method.',
  '',
  '## Machine',
  '',
  table(
    ['', ''],
    [
      ['CPU', `${machine.cpu}, ${machine.cores} cores`],
      ['memory', `${machine.memoryGb} GiB`],
      ['OS', machine.os],
      ['Node.js', machine.node],
      ['git', machine.git],
      ['load average (1/5/15 min) at start', loadAtStart],
      ['load average at end', loadAverage()],
    ],
  ),
  '',
  'The machine is shared: a load average above the core count means other work ran at the same time, and wall-clock figures are slower by about that factor.',
  '',
  '## Data',
  '',
  table(['data', 'bugs', 'identities', 'git objects', 'repositories (benchmarks/.data/repos)'], dataRows),
  '',
  'Generated with `bugserve gen` (1,000 identities, about six comments a bug, a few bugs with 500+ comments, seed 1). Each has a loose-refs and a packed-refs copy.',
  ...notes.map((n) => `\n${n}`),
  '',
  '## Targets',
  '',
  table(
    ['figure', 'target', 'measured', 'verdict'],
    targets.map((t) => [t.figure, t.target, t.measured, t.verdict]),
  ),
  '',
  '### Missed targets: where the cost is',
  '',
  'From profiles (`node --cpu-prof`, heap measurements) taken while building this harness; see docs/benchmarks.md.',
  '',
  ...targets
    .filter((t) => (t.verdict.startsWith('missed') || t.verdict === 'not met') && t.cost)
    .map((t) => `- **${t.figure}** (${t.verdict}): ${t.cost}`),
  '',
  ...sections.flatMap((s) => [`## ${s.title}`, '', s.body, '']),
].join('\n');
writeFileSync(out, md);
log(`wrote ${path.relative(PROJECT_ROOT, out)} in ${Math.round(totalS)} s`);
