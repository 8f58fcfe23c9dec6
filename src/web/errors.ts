// The one place that maps bugserve's typed errors to HTTP statuses and to the
// bodies the API and the pages show.

import {
  AmbiguousIdError,
  BadRequestError,
  BugserveError,
  DamagedDataError,
  InvalidQueryError,
  NotFoundError,
  UnavailableError,
  WorkerFailedError,
  type ErrorCode,
} from '../errors.js';

/** The request target is longer than the server reads. */
export class UriTooLongError extends BadRequestError {}

/** A method the route does not serve. */
export class MethodNotAllowedError extends BadRequestError {
  constructor(readonly method: string, readonly allow: readonly string[]) {
    super(`method ${method} is not allowed here`);
  }
}

export function httpStatus(err: unknown): number {
  if (err instanceof UriTooLongError) return 414;
  if (err instanceof MethodNotAllowedError) return 405;
  if (err instanceof BadRequestError || err instanceof InvalidQueryError) return 400;
  if (err instanceof NotFoundError) return 404;
  if (err instanceof AmbiguousIdError) return 409;
  // A damaged repository is the server's data failing, not the request.
  if (err instanceof DamagedDataError) return 500;
  // A worker that crashed or was stopped under the call: the next try rebuilds it.
  if (err instanceof WorkerFailedError || err instanceof UnavailableError) return 503;
  return 500;
}

export interface ErrorBody {
  error: { code: ErrorCode | 'internal'; message: string; details?: Record<string, unknown> };
}

/** What a client is told. Unexpected errors say nothing about internals (they are logged instead). */
export function errorBody(err: unknown): ErrorBody {
  if (err instanceof BugserveError) {
    const details = err.details();
    return {
      error: { code: err.code, message: err.message, ...(Object.keys(details).length ? { details } : {}) },
    };
  }
  return { error: { code: 'internal', message: 'internal server error' } };
}

/** True for errors worth a log line at error level (the server's fault, not the client's). */
export function isServerFault(err: unknown): boolean {
  return httpStatus(err) >= 500;
}
