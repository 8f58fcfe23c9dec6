import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The worker entries in workers/. */
export type WorkerEntry = 'cache-worker' | 'render-worker';

/**
 * A compiled worker entry. Running from dist/ it sits beside us; running
 * from TypeScript sources (the test runner) the build has put it in dist/.
 */
export function workerFile(entry: WorkerEntry): string {
  const here = fileURLToPath(import.meta.url);
  const compiled = fileURLToPath(new URL(`../workers/${entry}.js`, import.meta.url));
  if (!here.endsWith('.ts')) return compiled;
  const fromSources = fileURLToPath(new URL(`../dist/workers/${entry}.js`, import.meta.url));
  if (!existsSync(fromSources)) throw new Error(`${fromSources} is missing: run "npm run build" first`);
  return fromSources;
}
