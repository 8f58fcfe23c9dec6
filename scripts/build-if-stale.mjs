#!/usr/bin/env node
// `npm start`'s prestart: compile TypeScript only when a source is newer than
// its compiled file (or tsconfig.json changed since), so starting a current
// build takes no compile. Plain JavaScript: it must run before any build.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(ROOT, 'dist');
// tsconfig.json's "include".
const SOURCE_DIRS = ['src', 'workers', 'benchmarks'];

function* tsFiles(dir) {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) yield* tsFiles(full);
    else if (/\.c?ts$/.test(e.name) && !e.name.endsWith('.d.ts')) yield full;
  }
}

function firstStale() {
  const cli = path.join(DIST, 'src', 'cli.js');
  if (!existsSync(cli)) return 'dist/ is empty';
  if (statSync(path.join(ROOT, 'tsconfig.json')).mtimeMs > statSync(cli).mtimeMs) return 'tsconfig.json';
  for (const dir of SOURCE_DIRS) {
    for (const ts of tsFiles(path.join(ROOT, dir))) {
      // a.ts compiles to a.js, a.cts (CommonJS) to a.cjs
      const js = path.join(DIST, path.relative(ROOT, ts)).replace(/\.(c?)ts$/, '.$1js');
      if (!existsSync(js) || statSync(js).mtimeMs < statSync(ts).mtimeMs) return path.relative(ROOT, ts);
    }
  }
  return undefined;
}

const stale = firstStale();
if (stale !== undefined) {
  process.stderr.write(`bugserve: compiling (${stale} is newer than its build)\n`);
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.json')], { stdio: 'inherit' });
  process.exitCode = r.status ?? 1;
}
