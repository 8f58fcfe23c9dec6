// Typed errors shared by every layer. They cross the worker boundary as plain
// objects (toWire/fromWire) and are mapped to HTTP statuses in one place
// (src/web/errors.ts).

export type ErrorCode =
  'not_found' | 'ambiguous_id' | 'damaged_data' | 'unsupported_format' | 'invalid_query' | 'bad_request' | 'worker_failed' | 'unavailable';

export abstract class BugserveError extends Error {
  abstract readonly code: ErrorCode;
  /** Extra facts a caller can show (candidates, entity id, ...). */
  details(): Record<string, unknown> {
    return {};
  }
}

export class NotFoundError extends BugserveError {
  readonly code = 'not_found';
  constructor(
    readonly what: string,
    readonly key: string,
  ) {
    super(`${what} not found: ${key}`);
  }
  override details() {
    return { what: this.what, key: this.key };
  }
}

export class AmbiguousIdError extends BugserveError {
  readonly code = 'ambiguous_id';
  /** `what`: the kind of thing the prefix names ('bug', 'commit'), so the page can link the candidates */
  constructor(
    readonly prefix: string,
    readonly candidates: string[],
    readonly what = 'bug',
  ) {
    super(`id prefix "${prefix}" matches ${candidates.length} entities`);
  }
  override details() {
    return { prefix: this.prefix, candidates: this.candidates, what: this.what };
  }
}

/** Git data that cannot be read as git-bug data: names the entity and the reason. */
export class DamagedDataError extends BugserveError {
  readonly code: ErrorCode = 'damaged_data';
  constructor(
    readonly entity: string,
    readonly reason: string,
  ) {
    super(`${entity}: ${reason}`);
  }
  override details() {
    return { entity: this.entity, reason: this.reason };
  }
}

export class UnsupportedFormatError extends DamagedDataError {
  override readonly code = 'unsupported_format';
  constructor(
    entity: string,
    readonly version: number | string,
  ) {
    super(entity, `unsupported format version ${version} (bugserve reads version 4)`);
  }
  override details() {
    return { ...super.details(), version: this.version };
  }
}

export class InvalidQueryError extends BugserveError {
  readonly code = 'invalid_query';
}

export class BadRequestError extends BugserveError {
  readonly code = 'bad_request';
}

/** A worker crashed, ran out of memory or was stopped under a call. */
export class WorkerFailedError extends BugserveError {
  readonly code = 'worker_failed';
  constructor(
    readonly repo: string,
    reason: string,
  ) {
    super(`the cache of ${repo} failed: ${reason}`);
  }
}

export class UnavailableError extends BugserveError {
  readonly code = 'unavailable';
}

export interface WireError {
  code: ErrorCode | 'internal';
  message: string;
  details: Record<string, unknown>;
}

export function toWire(err: unknown): WireError {
  if (err instanceof BugserveError) return { code: err.code, message: err.message, details: err.details() };
  return { code: 'internal', message: err instanceof Error ? err.message : String(err), details: {} };
}

/** Rebuilds the typed error a worker sent, so callers can use instanceof. */
export function fromWire(w: WireError): Error {
  const d = w.details;
  const text = (key: string) => {
    const v = d[key];
    return typeof v === 'string' || typeof v === 'number' ? String(v) : '';
  };
  switch (w.code) {
    case 'not_found':
      return new NotFoundError(text('what'), text('key'));
    case 'ambiguous_id':
      return new AmbiguousIdError(
        text('prefix'),
        Array.isArray(d.candidates) ? d.candidates.map(String) : [],
        typeof d.what === 'string' ? d.what : undefined,
      );
    case 'unsupported_format':
      return new UnsupportedFormatError(text('entity'), typeof d.version === 'number' ? d.version : text('version'));
    case 'damaged_data':
      return new DamagedDataError(text('entity'), text('reason'));
    case 'invalid_query':
      return new InvalidQueryError(w.message);
    case 'bad_request':
      return new BadRequestError(w.message);
    case 'unavailable':
      return new UnavailableError(w.message);
    // A worker never sends these: its own failure is the manager's to report.
    case 'worker_failed':
    case 'internal':
      return new Error(w.message);
    default:
      // An unknown code from a newer worker: still an error, with its message.
      w.code satisfies never;
      return new Error(w.message);
  }
}
