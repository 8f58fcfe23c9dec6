import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { openIndexFile, type IndexDb } from '../../src/index/index-file.js';

/**
 * A new, empty index file for each test of the calling `describe`, removed
 * after it: `db` is its connection, `file` its path (to open another).
 */
export function freshIndexFile(prefix: string): { readonly db: IndexDb; readonly file: string } {
  let dir = '';
  let db: IndexDb | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
    db = openIndexFile(join(dir, 'x.sqlite'));
  });
  afterEach(() => {
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    get db() {
      if (!db) throw new Error('freshIndexFile: used outside a test');
      return db;
    },
    get file() {
      return join(dir, 'x.sqlite');
    },
  };
}
