// `bugserve hook post-receive [--data DIR]`: run by git after a push, with
// "old new ref" lines on stdin. Tells the running server about changed
// git-bug refs. Always exits 0 and never takes long: a push must not wait on
// or fail because of the cache.

import path from 'node:path';
import { findDataDir, postReceive } from '../hooks/post-receive.js';
import { stringValue, type CommandSpec, type Parsed } from './args.js';

export const spec: CommandSpec = {
  name: 'hook post-receive',
  synopsis: '[options]',
  summary:
    'Run by git after a push, with "old new ref" lines on stdin: tells the running server which bug refs changed. Never fails a push.',
  positionals: { min: 0, max: 0, names: '' },
  options: [
    { name: 'data', type: 'string', value: 'DIR', help: 'the data folder (default: found from the repository)', env: 'BUGSERVE_DATA' },
  ],
  env: [{ name: 'GIT_DIR', help: 'the repository the push went to (git sets it)' }],
};

/** However stdin or the socket behave, the hook ends within this. */
const HARD_LIMIT_MS = 5_000;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function note(text: string): void {
  // git shows a hook's stderr to the pusher as "remote: ...".
  process.stderr.write(`bugserve: ${text}\n`);
}

export async function run(parsed: Parsed): Promise<number> {
  const watchdog = setTimeout(() => process.exit(0), HARD_LIMIT_MS);
  watchdog.unref();
  try {
    const gitDir = path.resolve(process.env.GIT_DIR ?? '.');
    const input = await readStdin();
    const given = stringValue(parsed, 'data') ?? (process.env.BUGSERVE_DATA || undefined);
    const dataDir = given !== undefined ? path.resolve(given) : await findDataDir(gitDir);
    if (dataDir === undefined) return 0;

    const out = await postReceive({ dataDir, gitDir, input });
    if (out.result === 'timeout') note('the server did not answer in time; it will notice the new refs on its own');
    else if (out.result === 'refused' || out.result === 'failed') note(`could not notify the server (${out.detail ?? out.result})`);
    return 0;
  } catch (err) {
    note(`hook failed: ${err instanceof Error ? err.message : String(err)}`);
    return 0;
  } finally {
    clearTimeout(watchdog);
  }
}
