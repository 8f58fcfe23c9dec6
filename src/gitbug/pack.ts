// One commit of an entity's DAG: its tree names the format version and the
// lamport clocks, and its `ops` blob holds the operation pack.

import type { TreeEntry } from '../git/store.js';
import { FormatError, UnsupportedVersion } from './format-error.js';
import { deriveId, isId } from './id.js';
import { decodeOperation, type Operation } from './operation.js';
import { rawArrayMember } from './raw-json.js';
import { decodeUtf8 } from './utf8.js';

export const FORMAT_VERSION = 4;

export interface PackHeader {
  opsOid: string;
  /** 0 when absent (only the root commit carries it) */
  createClock: number;
  editClock: number;
}

export interface DecodedPack {
  /** sha256 of the whole ops blob: the tie-break between equal edit clocks */
  readonly id: string;
  authorId: string;
  ops: Operation[];
}

/**
 * The pack id is computed on first use: only concurrent edits (equal edit
 * clocks) ever need it, and hashing every pack's blob up front was a tenth
 * of a cold build.
 */
class Pack implements DecodedPack {
  private packId: string | undefined;

  constructor(
    private readonly blob: Uint8Array,
    readonly authorId: string,
    readonly ops: Operation[],
  ) {}

  get id(): string {
    this.packId ??= deriveId(this.blob);
    return this.packId;
  }
}

function clock(name: string, prefix: string): number {
  const digits = name.slice(prefix.length);
  if (!/^\d{1,20}$/.test(digits)) throw new FormatError(`cannot read lamport time from tree entry "${name}"`);
  return Number(digits);
}

/** Reads the version and clocks from a pack commit's tree entries. */
export function readPackHeader(entries: readonly TreeEntry[]): PackHeader {
  // git-bug checks the version before anything else, from the first version entry.
  const versionEntry = entries.find((e) => e.name.startsWith('version-'));
  if (!versionEntry) throw new FormatError('no format version entry in the tree (not git-bug data?)');
  const version = versionEntry.name.slice('version-'.length);
  if (version !== String(FORMAT_VERSION)) throw new UnsupportedVersion(/^\d+$/.test(version) ? Number(version) : version);

  let opsOid: string | undefined;
  let createClock = 0;
  let editClock = 0;
  for (const e of entries) {
    if (e.name === 'ops') opsOid = e.oid;
    else if (e.name.startsWith('create-clock-')) createClock = clock(e.name, 'create-clock-');
    else if (e.name.startsWith('edit-clock-')) editClock = clock(e.name, 'edit-clock-');
  }
  if (!opsOid) throw new FormatError('the tree has no "ops" entry');
  if (editClock === 0) throw new FormatError('the lamport edit time is missing or zero');
  return { opsOid, createClock, editClock };
}

/** Decodes an ops blob: `{"author":{"id":...},"ops":[...]}`. */
export function decodePack(blob: Uint8Array): DecodedPack {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decodeUtf8(blob));
  } catch (err) {
    throw new FormatError(`malformed operation pack JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new FormatError('the operation pack is not a JSON object');
  }
  const pack = parsed as { author?: { id?: unknown }; ops?: unknown };
  const authorId = pack.author?.id;
  if (typeof authorId !== 'string' || authorId === '') throw new FormatError('the operation pack has no author');
  if (!isId(authorId)) throw new FormatError(`the operation pack's author id "${authorId}" is not a valid id`);
  // A merge commit's pack is written by Go with a nil list: "ops":null.
  if (pack.ops === null) return new Pack(blob, authorId, []);
  if (!Array.isArray(pack.ops)) throw new FormatError('the operation pack has no "ops" list');
  const raws = rawArrayMember(blob, 'ops');
  if (!raws || raws.length !== pack.ops.length) throw new FormatError('cannot delimit the operations in the pack');
  const ops = pack.ops.map((raw, i) => decodeOperation(raw, deriveId(raws[i]), authorId));
  return new Pack(blob, authorId, ops);
}
