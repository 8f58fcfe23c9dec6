// Identities as git-bug writes them (entities/identity/version.go): one
// commit per version, its tree holding one `version` blob; the identity id is
// the sha256 of the first version's blob.

import { encodeGo, goMap } from './json.js';
import { sha256Hex } from './ops.js';
import type { Random } from './random.js';
import { login as makeLogin, personName, ZONES } from './content.js';
import type { ExpectedIdentity } from './types.js';

export interface IdentityFields {
  name: string;
  email: string;
  login: string;
  avatarUrl: string;
  metadata?: Record<string, string>;
}

export interface IdentityVersion {
  fields: IdentityFields;
  unixTime: number;
  /** lamport times of the bug clocks when the version was made; null: an old version without clocks */
  times: { create: number; edit: number } | null;
  /** base64 of 20 random bytes */
  nonce: string;
  blob?: Buffer;
}

export interface IdentityPlan {
  index: number;
  id: string;
  zone: string;
  versions: IdentityVersion[];
  /** when the second version (if any) is made: filled in with clock values later */
  laterVersion?: { at: number; fields: IdentityFields; nonce: string };
}

export function encodeVersion(v: IdentityVersion): Buffer {
  const times = v.times === null ? goMap({}) : goMap({ 'bugs-create': v.times.create, 'bugs-edit': v.times.edit });
  const meta = v.fields.metadata && Object.keys(v.fields.metadata).length > 0 ? goMap(v.fields.metadata) : undefined;
  const json = encodeGo({
    version: 2,
    times,
    unix_time: v.unixTime,
    name: v.fields.name || undefined,
    email: v.fields.email || undefined,
    login: v.fields.login || undefined,
    avatar_url: v.fields.avatarUrl || undefined,
    nonce: v.nonce,
    metadata: meta,
  });
  return Buffer.from(json, 'utf8');
}

/** First versions exist before any bug: the clocks are at their initial value, 1. */
export function planIdentities(rng: Random, count: number, start: number, span: number): IdentityPlan[] {
  const plans: IdentityPlan[] = [];
  for (let i = 0; i < count; i++) {
    const r = rng.fork();
    const kind = i === 1 ? 'login-only' : r.pick(['full', 'git', 'login-only', 'github', 'github'] as const);
    const login = makeLogin(r, i);
    const fields: IdentityFields = { name: '', email: '', login: '', avatarUrl: '' };
    if (kind === 'git') {
      fields.name = personName(r, 0.15);
      fields.email = `${login}@example.org`;
    } else if (kind === 'login-only') {
      fields.login = login;
    } else if (kind === 'github') {
      fields.name = personName(r, 0.15);
      fields.login = login;
      fields.avatarUrl = `https://avatars.example.com/u/${1000 + i}?s=96&v=4`;
      fields.metadata = { 'github-login': login };
    } else {
      fields.name = personName(r, 0.15);
      fields.email = `${login}@example.com`;
      fields.login = login;
    }
    const first: IdentityVersion = {
      fields,
      unixTime: start - r.int(3600, 86400 * 30),
      // one identity made by an older git-bug, with no clocks at all (as in real data)
      times: i === 2 ? null : { create: 1, edit: 1 },
      nonce: r.base64(20),
    };
    first.blob = encodeVersion(first);
    const plan: IdentityPlan = { index: i, id: sha256Hex(first.blob), zone: r.pick(ZONES), versions: [first] };
    if (i === 1 || r.chance(0.15)) {
      // a later version: a login-only person adds a name, others rename
      const next: IdentityFields = { ...fields, metadata: undefined };
      if (!next.name || r.chance(0.5)) next.name = personName(r, 0.2);
      else next.email = `${login}.new@example.net`;
      plan.laterVersion = { at: start + r.int(0, span), fields: next, nonce: r.base64(20) };
    }
    plans.push(plan);
  }
  return plans;
}

export function expectedIdentity(p: IdentityPlan): ExpectedIdentity {
  const last = p.versions[p.versions.length - 1];
  const f = last.fields;
  return {
    id: p.id,
    name: f.name,
    login: f.login,
    email: f.email,
    avatarUrl: f.avatarUrl,
    displayName: f.name || f.login,
    updatedAt: last.unixTime,
    versions: p.versions.length,
  };
}
