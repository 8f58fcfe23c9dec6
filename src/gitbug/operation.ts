import { FormatError } from './format-error.js';

// git-bug's eight bug operations, decoded from JSON and checked. A value of
// the wrong shape makes the whole bug damaged, as it does in git-bug.

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

interface OpBase {
  /** sha256 of the op's raw JSON bytes */
  id: string;
  /** the pack's author */
  authorId: string;
  /** unix seconds */
  timestamp: number;
  metadata: Record<string, string>;
}

export type Operation =
  | (OpBase & { type: 1; title: string; message: string })
  | (OpBase & { type: 2; title: string; was: string })
  | (OpBase & { type: 3; message: string })
  | (OpBase & { type: 4; status: 1 | 2 })
  | (OpBase & { type: 5; added: string[]; removed: string[] })
  | (OpBase & { type: 6; target: string; message: string })
  | (OpBase & { type: 7 })
  | (OpBase & { type: 8; target: string; newMetadata: Record<string, string> });

type Json = Record<string, unknown>;

function str(raw: Json, field: string, opName: string): string {
  const v = raw[field];
  if (typeof v !== 'string') throw new FormatError(`${opName} operation: "${field}" must be a string`);
  return v;
}

function optStr(raw: Json, field: string, opName: string): string {
  return raw[field] === undefined || raw[field] === null ? '' : str(raw, field, opName);
}

function strList(raw: Json, field: string, opName: string): string[] {
  const v = raw[field];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
    throw new FormatError(`${opName} operation: "${field}" must be a list of strings`);
  }
  return v;
}

function strMap(raw: Json, field: string, opName: string): Record<string, string> {
  const v = raw[field];
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v) || !isStringMap(v as Json)) {
    throw new FormatError(`${opName} operation: "${field}" must be a map of strings`);
  }
  return v as Record<string, string>;
}

function isStringMap(v: Json): boolean {
  for (const k in v) if (typeof v[k] !== 'string') return false;
  return true;
}

function opId(raw: Json, field: string, opName: string): string {
  const v = str(raw, field, opName);
  if (!/^[0-9a-f]{64}$/.test(v)) throw new FormatError(`${opName} operation: "${field}" is not a valid id`);
  return v;
}

const NAMES: Record<number, string> = {
  1: 'create',
  2: 'set-title',
  3: 'add-comment',
  4: 'set-status',
  5: 'label-change',
  6: 'edit-comment',
  7: 'no-op',
  8: 'set-metadata',
};

export function operationName(type: number): string {
  return NAMES[type] ?? `type ${type}`;
}

/** Decodes one parsed operation object. */
export function decodeOperation(raw: unknown, id: string, authorId: string): Operation {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new FormatError('an operation is not a JSON object');
  }
  const o = raw as Json;
  const type = o.type;
  if (typeof type !== 'number' || !Number.isInteger(type)) throw new FormatError('an operation has no numeric "type"');
  const name = NAMES[type];
  if (!name) throw new FormatError(`unknown operation type ${type}`);
  const timestamp = o.timestamp;
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) {
    throw new FormatError(`${name} operation: "timestamp" must be a number`);
  }
  // Each case spells out the common fields: spreading a shared `base` object
  // was a tenth of the whole cold build.
  const metadata = strMap(o, 'metadata', name);
  switch (type) {
    case OpType.Create: {
      const title = str(o, 'title', name);
      if (title.trim() === '') throw new FormatError('create operation: the title is empty');
      return { id, authorId, timestamp, metadata, type: OpType.Create, title, message: optStr(o, 'message', name) };
    }
    case OpType.SetTitle:
      return { id, authorId, timestamp, metadata, type: OpType.SetTitle, title: str(o, 'title', name), was: optStr(o, 'was', name) };
    case OpType.AddComment:
      return { id, authorId, timestamp, metadata, type: OpType.AddComment, message: optStr(o, 'message', name) };
    case OpType.SetStatus: {
      const status = o.status;
      if (status !== 1 && status !== 2) throw new FormatError(`set-status operation: unknown status ${JSON.stringify(status)}`);
      return { id, authorId, timestamp, metadata, type: OpType.SetStatus, status };
    }
    case OpType.LabelChange:
      return {
        id,
        authorId,
        timestamp,
        metadata,
        type: OpType.LabelChange,
        added: strList(o, 'added', name),
        removed: strList(o, 'removed', name),
      };
    case OpType.EditComment:
      return {
        id,
        authorId,
        timestamp,
        metadata,
        type: OpType.EditComment,
        target: opId(o, 'target', name),
        message: optStr(o, 'message', name),
      };
    case OpType.NoOp:
      return { id, authorId, timestamp, metadata, type: OpType.NoOp };
    case OpType.SetMetadata:
      return {
        id,
        authorId,
        timestamp,
        metadata,
        type: OpType.SetMetadata,
        target: opId(o, 'target', name),
        newMetadata: strMap(o, 'new_metadata', name),
      };
    default:
      throw new FormatError(`unknown operation type ${type}`);
  }
}
