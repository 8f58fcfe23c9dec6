// Runs one bugserve server for the benchmarks (see lib/http.ts). Options come
// as JSON in argv[2]; the URL goes back over IPC; 'close' stops it.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer } from '../src/app.js';
import type { ChildServerOptions } from './lib/http.js';

const opts = JSON.parse(process.argv[2]) as ChildServerOptions;
const dataDir = mkdtempSync(path.join(tmpdir(), 'bugserve-bench-'));
const server = await startServer({
  dataDir,
  reposDir: opts.reposDir,
  host: '127.0.0.1',
  port: 0,
  idleTimeoutMs: opts.idleTimeoutMs ?? 10 * 60_000,
  maxWorkers: opts.maxWorkers ?? 16,
  cacheMode: opts.cacheMode,
  pushToken: undefined,
  logLevel: 'silent',
  cache: { packRefs: opts.packRefs ?? true },
});
process.send?.({ url: server.url });
process.on('message', (m) => {
  if (m !== 'close') return;
  void server.close().finally(() => {
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  });
});
