// git-bug's operations and operation packs, written with the field order of
// the Go structs (entity/dag/operation.go OpBase, then the fields of
// entities/bug/op_*.go and entity/dag/op_noop.go, op_set_metadata.go).

import { createHash } from 'node:crypto';
import { encodeGo, encodeGoString, goMap } from './json.js';

interface Base {
  timestamp: number;
  /** 20 random bytes as padded base64, exactly what Go writes for the []byte */
  nonce: string;
  /** omitted when empty, like Go's omitempty on a map */
  metadata?: Record<string, string>;
}

export type OpSpec = Base &
  (
    | { type: 1; title: string; message: string }
    | { type: 2; title: string; was: string }
    | { type: 3; message: string }
    | { type: 4; status: 1 | 2 }
    /** null is what git-bug's ChangeLabels writes for an empty side, [] what ForceChangeLabels writes */
    | { type: 5; added: string[] | null; removed: string[] | null }
    | { type: 6; target: string; message: string }
    | { type: 7 }
    | { type: 8; target: string; newMetadata: Record<string, string> }
  );

/** An operation with the exact bytes written and the id derived from them. */
export interface EncodedOp {
  spec: OpSpec;
  json: string;
  id: string;
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function labels(list: string[] | null): string {
  return list === null ? 'null' : encodeGo(list);
}

/** The op's JSON, as Go's json.Marshal writes the struct (written out by hand: it is the hot path). */
export function opJson(op: OpSpec): string {
  let s = `{"type":${op.type},"timestamp":${op.timestamp},"nonce":"${op.nonce}"`;
  if (op.metadata && Object.keys(op.metadata).length > 0) s += `,"metadata":${encodeGo(goMap(op.metadata))}`;
  switch (op.type) {
    case 1:
      s += `,"title":${encodeGoString(op.title)},"message":${encodeGoString(op.message)},"files":null`;
      break;
    case 2:
      s += `,"title":${encodeGoString(op.title)},"was":${encodeGoString(op.was)}`;
      break;
    case 3:
      s += `,"message":${encodeGoString(op.message)},"files":null`;
      break;
    case 4:
      s += `,"status":${op.status}`;
      break;
    case 5:
      s += `,"added":${labels(op.added)},"removed":${labels(op.removed)}`;
      break;
    case 6:
      s += `,"target":${encodeGoString(op.target)},"message":${encodeGoString(op.message)},"files":null`;
      break;
    case 7:
      break;
    case 8:
      s += `,"target":${encodeGoString(op.target)},"new_metadata":${encodeGo(goMap(op.newMetadata))}`;
      break;
  }
  return s + '}';
}

export function encodeOp(spec: OpSpec): EncodedOp {
  const json = opJson(spec);
  return { spec, json, id: sha256Hex(json) };
}

/**
 * The `ops` blob: `{"author":{"id":...},"ops":[...]}`. A merge commit's pack
 * has no operations: Go marshals its nil slice as `null`.
 */
export function encodePack(authorId: string, ops: readonly EncodedOp[] | null): Buffer {
  const list = ops === null ? 'null' : '[' + ops.map((o) => o.json).join(',') + ']';
  return Buffer.from(`{"author":{"id":"${authorId}"},"ops":${list}}`, 'utf8');
}
