// Files: their bytes for the file page (up to a bound), and a stream of
// every byte for /raw, each through the shared process limit.

import { spawn } from 'node:child_process';
import type { Writable } from 'node:stream';
import type { ObjectReader } from './objects.js';
import { gitArgs, gitEnv, type GitTarget } from './run.js';

/** Files larger than this are offered as a download only. */
export const MAX_VIEW_BYTES = 1024 * 1024;
/** git's own test for binary content: a NUL byte in the first 8000 bytes. */
const BINARY_PROBE = 8000;
/** /raw streams slowly for big files over slow links; past this it is cut. */
const RAW_TIMEOUT_MS = 5 * 60_000;

export interface BlobView {
  oid: string;
  size: number;
  /** undefined when the file is over MAX_VIEW_BYTES */
  bytes: Buffer | undefined;
  binary: boolean;
}

export function looksBinary(bytes: Buffer): boolean {
  return bytes.subarray(0, BINARY_PROBE).includes(0);
}

export async function readBlob(reader: ObjectReader, oid: string): Promise<BlobView> {
  const info = await reader.info(oid);
  const size = 'oid' in info ? info.size : 0;
  if (size > MAX_VIEW_BYTES) return { oid, size, bytes: undefined, binary: true };
  const { body } = await reader.contents(oid);
  return { oid, size, bytes: body, binary: looksBinary(body) };
}

/** Writes the blob's bytes to `out` (the caller has sent the headers). Resolves when done or cut. */
export async function streamBlob(t: GitTarget, oid: string, out: Writable): Promise<void> {
  const release = await t.limit.acquire();
  try {
    await new Promise<void>((resolve) => {
      const child = spawn('git', gitArgs(t.gitDir, ['cat-file', 'blob', oid]), { env: gitEnv(), stdio: ['ignore', 'pipe', 'ignore'] });
      const timer = setTimeout(() => child.kill('SIGKILL'), RAW_TIMEOUT_MS);
      // A client that goes away stops git.
      const gone = () => child.kill('SIGKILL');
      out.once('close', gone);
      child.stdout.pipe(out);
      child.on('close', () => {
        clearTimeout(timer);
        out.off('close', gone);
        resolve();
      });
      child.on('error', () => {
        clearTimeout(timer);
        out.destroy();
        resolve();
      });
    });
  } finally {
    release();
  }
}
