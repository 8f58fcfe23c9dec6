// `bugserve hook post-receive [--data DIR]`: run by git after a push, with
// "old new ref" lines on stdin. Tells the running server about changed
// git-bug refs. Always exits 0 and never takes long: a push must not wait on
// or fail because of the cache.

import path from 'node:path';
import { findDataDir, postReceive } from '../hooks/post-receive.js';
import { parseArgs, stringFlag } from './args.js';

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

export async function hook(args: string[]): Promise<number> {
  const watchdog = setTimeout(() => process.exit(0), HARD_LIMIT_MS);
  watchdog.unref();
  try {
    const parsed = parseArgs(args);
    if (parsed.positional[0] !== 'post-receive') {
      note(`unknown hook "${parsed.positional[0] ?? ''}" (only post-receive exists)`);
      return 0;
    }
    const gitDir = path.resolve(process.env.GIT_DIR ?? '.');
    const input = await readStdin();
    const given = stringFlag(parsed, 'data') ?? (process.env.BUGSERVE_DATA || undefined);
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
