// git-bug's operations and operation packs, built with the field order of the
// Go structs (entity/dag/operation.go OpBase, then the fields of
// entities/bug/op_*.go and entity/dag/op_noop.go, op_set_metadata.go).

import { createHash } from 'node:crypto';
import { encodeGo, goMap, type GoValue } from './json.js';

export const OpType = {
  Create: 1,
  SetTitle: 2,
  AddComment: 3,
  SetStatus: 4,
  LabelChange: 5,
  EditComment: 6,
  NoOp: 7,
  SetMetadata: 8,
} as const;

interface Base {
  timestamp: number;
  /** 20 random bytes, written as base64 */
  nonce: Buffer;
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

function struct(op: OpSpec): Record<string, GoValue | undefined> {
  const meta = op.metadata && Object.keys(op.metadata).length > 0 ? goMap(op.metadata) : undefined;
  const base = { type: op.type, timestamp: op.timestamp, nonce: op.nonce, metadata: meta };
  switch (op.type) {
    case 1:
      return { ...base, title: op.title, message: op.message, files: null };
    case 2:
      return { ...base, title: op.title, was: op.was };
    case 3:
      return { ...base, message: op.message, files: null };
    case 4:
      return { ...base, status: op.status };
    case 5:
      return { ...base, added: op.added, removed: op.removed };
    case 6:
      return { ...base, target: op.target, message: op.message, files: null };
    case 7:
      return base;
    case 8:
      return { ...base, target: op.target, new_metadata: goMap(op.newMetadata) };
  }
}

export function encodeOp(spec: OpSpec): EncodedOp {
  const json = encodeGo(struct(spec));
  return { spec, json, id: sha256Hex(Buffer.from(json, 'utf8')) };
}

/**
 * The `ops` blob: `{"author":{"id":...},"ops":[...]}`. A merge commit's pack
 * has no operations: Go marshals its nil slice as `null`.
 */
export function encodePack(authorId: string, ops: readonly EncodedOp[] | null): Buffer {
  const list = ops === null ? 'null' : '[' + ops.map((o) => o.json).join(',') + ']';
  return Buffer.from(`{"author":{"id":${JSON.stringify(authorId)}},"ops":${list}}`, 'utf8');
}
