// Reads every object reachable from some tips in one stream:
// `git rev-list --objects` piped into `git cat-file --batch --buffer`.
// Compiling bugs needs every commit, tree and ops blob of refs/bugs and
// refs/identities; asking for them one by one costs a round trip per object
// and a dependency chain per bug, the stream costs neither.

import { spawn } from 'node:child_process';
import { GitObjectError, type CommitInfo, type TreeEntry } from './store.js';
import { parseCommit, parseTree } from './parse-objects.js';

export interface ObjectMap {
  commits: Map<string, CommitInfo>;
  trees: Map<string, TreeEntry[]>;
  blobs: Map<string, Buffer>;
}

// Media attachments (the `extra` tree) can be large and are never read: only
// blobs up to this size come along; a larger one is read on demand if needed.
const BLOB_LIMIT = '4m';
const NL = 0x0a;
const SP = 0x20;

export function readReachable(gitDir: string, tips: readonly string[]): Promise<ObjectMap> {
  const objects: ObjectMap = { commits: new Map(), trees: new Map(), blobs: new Map() };
  if (tips.length === 0) return Promise.resolve(objects);
  return new Promise((resolve, reject) => {
    const revList = spawn('git', [`--git-dir=${gitDir}`, 'rev-list', '--objects', '--no-object-names', `--filter=blob:limit=${BLOB_LIMIT}`, '--stdin'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const catFile = spawn('git', [`--git-dir=${gitDir}`, 'cat-file', '--batch', '--buffer'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    const keepErr = (b: Buffer) => {
      stderr = (stderr + b.toString()).slice(-2000);
    };
    revList.stderr.on('data', keepErr);
    catFile.stderr.on('data', keepErr);
    revList.stdin.on('error', () => {});
    catFile.stdin.on('error', () => {});
    revList.stdout.pipe(catFile.stdin);
    revList.stdin.end(tips.join('\n') + '\n');

    let failed: Error | undefined;
    const fail = (err: Error) => {
      if (failed) return;
      failed = err;
      revList.kill();
      catFile.kill();
      reject(err);
    };
    revList.on('error', fail);
    catFile.on('error', fail);
    revList.on('close', (code) => {
      if (code !== 0) fail(new GitObjectError(tips[0], `git rev-list failed (${code}): ${stderr.trim()}`));
    });

    // The stream: "<oid> <type> <size>\n<body>\n" repeated.
    const chunks: Buffer[] = [];
    let buffered = 0;
    catFile.stdout.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      buffered += chunk.length;
    });
    catFile.on('close', (code) => {
      if (failed) return;
      if (code !== 0) return fail(new GitObjectError(tips[0], `git cat-file failed (${code}): ${stderr.trim()}`));
      try {
        parseStream(Buffer.concat(chunks, buffered), objects);
        resolve(objects);
      } catch (err) {
        fail(err as Error);
      }
    });
  });
}

function parseStream(out: Buffer, objects: ObjectMap): void {
  let pos = 0;
  while (pos < out.length) {
    const nl = out.indexOf(NL, pos);
    if (nl < 0) throw new GitObjectError('?', 'truncated cat-file output');
    const sp1 = out.indexOf(SP, pos);
    const oid = out.toString('latin1', pos, sp1);
    const sp2 = out.indexOf(SP, sp1 + 1);
    if (sp2 < 0 || sp2 > nl) {
      // "<oid> missing": left out, read (and reported) on demand.
      pos = nl + 1;
      continue;
    }
    const type = out.toString('latin1', sp1 + 1, sp2);
    const size = Number(out.toString('latin1', sp2 + 1, nl));
    const body = out.subarray(nl + 1, nl + 1 + size);
    if (type === 'commit') objects.commits.set(oid, parseCommit(oid, body));
    else if (type === 'tree') objects.trees.set(oid, parseTree(oid, body));
    else if (type === 'blob') objects.blobs.set(oid, body);
    pos = nl + 1 + size + 1;
  }
}
