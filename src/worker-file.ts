import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The worker entries in workers/. */
export type WorkerEntry = 'cache-worker' | 'render-worker';

/** A compiled file of workers/. */
function compiledWorkerFile(file: string): string {
  const here = fileURLToPath(import.meta.url);
  // Running from dist/ it sits beside us; from TypeScript sources (the test runner) the build has put it in dist/.
  if (!here.endsWith('.ts')) return fileURLToPath(new URL(`../workers/${file}`, import.meta.url));
  const fromSources = fileURLToPath(new URL(`../dist/workers/${file}`, import.meta.url));
  if (!existsSync(fromSources)) throw new Error(`${fromSources} is missing: run "npm run build" first`);
  return fromSources;
}

/**
 * Piscina's options for a worker entry: the CommonJS file every thread
 * loads (workers/entry.cts), told which entry to import.
 */
export function workerEntry(entry: WorkerEntry): { filename: string; workerData: { entry: string } } {
  return {
    filename: compiledWorkerFile('entry.cjs'),
    workerData: { entry: pathToFileURL(compiledWorkerFile(`${entry}.js`)).href },
  };
}
