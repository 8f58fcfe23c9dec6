// A data folder with the repositories the web suites read, and a real server
// on 127.0.0.1 over it. Shared by test/integration/web-*.test.ts.

import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { pino } from 'pino';
import { startServer, type RunningServer, type ServerConfig } from '../../src/app.js';
import { generate } from '../../src/gen/generate.js';
import type { ExpectedBug } from '../../src/gen/types.js';
import { loadCorpus } from '../helpers/corpus.js';
import { request } from '../helpers/server.js';
import {
  git,
  initBare,
  ops,
  opId,
  smallRepo,
  tempDir,
  writeBug,
  writeIdentity,
  writePack,
  updateRef,
  nextClock,
} from '../helpers/git-bug-writer.js';

// Raw HTTP requests (paths sent exactly as given) are shared with the e2e suites.
export { request, type Reply } from '../helpers/server.js';

export const XSS = '<script>alert(1)</script>';

export interface Fixture {
  dataDir: string;
  reposDir: string;
  remove(): void;
  /** group/app: one bug with every kind of event and hostile text (closed), and 3 open ones */
  app: { hostileId: string; openIds: string[] };
  /** gen: a generated repository for counts, pages and prefixes */
  gen: { bugs: ExpectedBug[]; open: number; closed: number; prefix: string; matches: string[] };
  /** damaged: 1 good bug, 1 whose ops are not JSON */
  damaged: { goodId: string; badId: string };
  corpus: boolean;
}

/** Commits README.md to the default branch of a bare repository. */
export function commitReadme(repo: string, text: string): void {
  const blob = git(repo, ['hash-object', '-w', '--stdin'], text);
  const tree = git(repo, ['mktree'], `100644 blob ${blob}\tREADME.md\n`);
  const commit = execFileSync('git', ['--git-dir', repo, 'commit-tree', tree, '-m', 'readme'], {
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' },
  }).trim();
  const head = git(repo, ['symbolic-ref', 'HEAD']);
  git(repo, ['update-ref', head, commit]);
}

export async function buildFixture(withCorpus = true): Promise<Fixture> {
  const tmp = tempDir('bugserve-web-');
  const dataDir = tmp.path;
  const reposDir = `${dataDir}/repos`;
  mkdirSync(reposDir, { recursive: true });

  // group/app: written op by op, so every event and every hostile string is known.
  const app = initBare(`${reposDir}/group/app.git`);
  writeFileSync(`${app}/description`, `The app ${XSS}\n`);
  commitReadme(app, `# App readme\n\nHello ${XSS} [x](javascript:alert(1))\n`);
  const mallory = writeIdentity(app, { name: `Mallory ${XSS}`, login: 'mallory' });
  const bob = writeIdentity(app, { name: 'Bob Builder', login: 'bob' });
  const create = ops.create(`Crash ${XSS}`, `First **draft** ${XSS}`, 1700000000);
  const first = writePack(app, { author: mallory, ops: [create], editClock: nextClock(), createClock: nextClock() });
  const second = writePack(app, {
    author: bob,
    ops: [ops.comment(`A comment with [bad](javascript:alert(2)) and \`code\``, 1700000100)],
    editClock: nextClock(),
    parents: [first],
  });
  const third = writePack(app, {
    author: mallory,
    ops: [
      ops.edit(opId(create), `Edited **text** ${XSS}`, 1700000200),
      ops.setTitle(`Crash ${XSS} v2`, `Crash ${XSS}`, 1700000300),
      ops.labels(['bug', `<img src=x onerror=alert(3)>`], [], 1700000400),
    ],
    editClock: nextClock(),
    parents: [second],
  });
  const fourth = writePack(app, { author: bob, ops: [ops.status(2, 1700000500)], editClock: nextClock(), parents: [third] });
  const hostileId = opId(create);
  updateRef(app, `refs/bugs/${hostileId}`, fourth);
  const openIds: string[] = [];
  for (let i = 0; i < 3; i++) {
    openIds.push(writeBug(app, bob, [[ops.create(`open bug ${i}`, `body ${i}`, 1700001000 + i)]]).id);
  }

  // gen: volume from the generator (fast-import), with its own model of the result.
  const gen = await generate({ path: `${reposDir}/gen.git`, bugs: 90, identities: 8, comments: 2, seed: 11 });
  const byFirst = new Map<string, string[]>();
  for (const b of gen.bugs) byFirst.set(b.id[0], [...(byFirst.get(b.id[0]) ?? []), b.id]);
  const [prefix, matches] = [...byFirst].find(([, ids]) => ids.length > 1)!;
  const open = gen.bugs.filter((b) => b.status === 'open').length;

  // damaged: one good bug and one whose ops blob is not JSON.
  const dmg = smallRepo(`${reposDir}/damaged.git`, 1);
  const badCommit = writePack(`${reposDir}/damaged.git`, {
    author: dmg.author,
    ops: [],
    rawOps: '{this is not json',
    editClock: nextClock(),
    createClock: nextClock(),
  });
  const badId = 'e'.repeat(64);
  updateRef(`${reposDir}/damaged.git`, `refs/bugs/${badId}`, badCommit);

  // empty: a repository without bugs or commits.
  initBare(`${reposDir}/empty.git`);

  if (withCorpus) loadCorpus(`${reposDir}/corpus.git`);

  return {
    dataDir,
    reposDir,
    remove: tmp.remove,
    app: { hostileId, openIds },
    gen: { bugs: gen.bugs, open, closed: gen.bugs.length - open, prefix, matches: matches.sort() },
    damaged: { goodId: dmg.ids[0], badId },
    corpus: withCorpus,
  };
}

export function serverConfig(dataDir: string, over: Partial<ServerConfig> = {}): ServerConfig {
  return {
    dataDir,
    host: '127.0.0.1',
    port: 0,
    idleTimeoutMs: 60_000,
    maxWorkers: 4,
    cacheMode: 'warm',
    pushToken: undefined,
    logger: pino({ level: 'silent' }),
    ...over,
  };
}

export function start(dataDir: string, over: Partial<ServerConfig> = {}): Promise<RunningServer> {
  return startServer(serverConfig(dataDir, over));
}

export async function getJson<T = any>(base: string, rawPath: string): Promise<{ status: number; json: T }> {
  const r = await request(base, rawPath);
  return { status: r.status, json: JSON.parse(r.body) as T };
}

/** Sum of a metric's samples in the server's registry. */
export async function metricValue(server: RunningServer, name: string, labels: Record<string, string> = {}): Promise<number> {
  const all = await server.registry.getMetricsAsJSON();
  const m = all.find((x) => x.name === name);
  const values = (m?.values ?? []) as { value: number; labels: Record<string, string | number> }[];
  return values.filter((v) => Object.entries(labels).every(([k, val]) => String(v.labels[k]) === val)).reduce((s, v) => s + v.value, 0);
}
