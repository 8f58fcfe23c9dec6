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
  constructor(
    readonly method: string,
    readonly allow: readonly string[],
  ) {
    super(`method ${method} is not allowed here`);
  }
}

/** A push without the push token; the client is asked for credentials. */
export class UnauthorizedError extends BadRequestError {
  constructor(
    message: string,
    readonly realm: string,
  ) {
    super(message);
  }
}

/** Something the server does not allow at all (pushing with no token configured). */
export class ForbiddenError extends BadRequestError {}

/** A request body that stopped arriving. */
export class RequestTimeoutError extends BadRequestError {}

/** A request body larger than the server takes. */
export class PayloadTooLargeError extends BadRequestError {}

/** A request body encoded in a way the server does not read. */
export class UnsupportedMediaTypeError extends BadRequestError {}

/** A program the server runs for the request (git http-backend) answered nonsense. */
export class BadGatewayError extends UnavailableError {}

export function httpStatus(err: unknown): number {
  if (err instanceof UriTooLongError) return 414;
  if (err instanceof MethodNotAllowedError) return 405;
  if (err instanceof UnauthorizedError) return 401;
  if (err instanceof ForbiddenError) return 403;
  if (err instanceof RequestTimeoutError) return 408;
  if (err instanceof PayloadTooLargeError) return 413;
  if (err instanceof UnsupportedMediaTypeError) return 415;
  if (err instanceof BadGatewayError) return 502;
  if (err instanceof BadRequestError || err instanceof InvalidQueryError) return 400;
  if (err instanceof NotFoundError) return 404;
  if (err instanceof AmbiguousIdError) return 409;
  // A damaged repository is the server's data failing, not the request.
  if (err instanceof DamagedDataError) return 500;
  // A worker that crashed or was stopped under the call: the next try rebuilds it.
  if (err instanceof WorkerFailedError || err instanceof UnavailableError) return 503;
  return 500;
}

/** Headers a status needs besides its body: Allow for 405, a challenge for 401, Retry-After for 503. */
export function errorHeaders(err: unknown): Record<string, string> {
  if (err instanceof MethodNotAllowedError) return { Allow: err.allow.join(', ') };
  if (err instanceof UnauthorizedError) return { 'WWW-Authenticate': `Basic realm="${err.realm}", charset="UTF-8"` };
  if (err instanceof RequestTimeoutError) return { Connection: 'close' };
  if (httpStatus(err) === 503) return { 'Retry-After': '1' };
  return {};
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
