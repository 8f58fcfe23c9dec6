// An identity's version blob (one per commit of refs/identities/<id>); the
// newest commit is the identity's current state.

import { FormatError } from './format-error.js';
import type { Identity } from './types.js';
import { decodeUtf8 } from './utf8.js';

export const IDENTITY_FORMAT_VERSION = 2;

export function decodeIdentityVersion(id: string, blob: Uint8Array): Identity {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(decodeUtf8(blob)) as Record<string, unknown>;
  } catch (err) {
    throw new FormatError(`malformed identity JSON: ${(err as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new FormatError('the identity version is not a JSON object');
  if (v.version !== IDENTITY_FORMAT_VERSION) {
    throw new FormatError(`unsupported identity format version ${JSON.stringify(v.version)}`);
  }
  const text = (field: string): string => {
    const x = v[field];
    if (x === undefined || x === null) return '';
    if (typeof x !== 'string') throw new FormatError(`identity field "${field}" must be a string`);
    return x;
  };
  const name = text('name');
  const login = text('login');
  const unixTime = typeof v.unix_time === 'number' ? v.unix_time : 0;
  return {
    id,
    displayName: name || login || id.slice(0, 7),
    name,
    login,
    email: text('email'),
    avatarUrl: text('avatar_url'),
    updatedAt: unixTime,
  };
}
