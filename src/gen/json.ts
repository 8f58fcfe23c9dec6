// JSON encoding byte-compatible with Go's encoding/json Marshal, which is what
// git-bug writes. Ids are sha256 of these exact bytes, so every detail counts:
// struct fields in declaration order, map keys sorted by byte order, []byte as
// padded base64, HTML-sensitive characters and U+2028/U+2029 escaped.

/** A Go map: encoded with its keys sorted by their UTF-8 bytes. */
export class GoMap {
  constructor(readonly entries: ReadonlyMap<string, GoValue>) {}
}

/**
 * What can be encoded. Plain objects stand for Go structs: their keys are
 * written in insertion order and `undefined` fields are left out (omitempty).
 * Buffers stand for []byte.
 */
export type GoValue =
  string | number | boolean | null | Buffer | GoMap | readonly GoValue[] | { readonly [field: string]: GoValue | undefined };

export function goMap(obj: Record<string, GoValue> | ReadonlyMap<string, GoValue>): GoMap {
  return new GoMap(obj instanceof Map ? obj : new Map(Object.entries(obj)));
}

/** Go's order for strings: byte-wise on UTF-8 (not JavaScript's UTF-16 order). */
export function compareGoStrings(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

const HEX = '0123456789abcdef';
// Characters Go escapes (with HTML escaping on), plus surrogates to reject.
// eslint-disable-next-line no-control-regex -- control characters are exactly what Go escapes
const NEEDS_ESCAPE = /["\\\u0000-\u001f<>&\u2028\u2029\ud800-\udfff]/;

export function encodeGoString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return `"${s}"`;
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = s.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        out += s[i] + s[i + 1];
        i++;
        continue;
      }
      throw new RangeError(`lone surrogate at ${i}: Go would not write it`);
    }
    switch (c) {
      case 0x22:
        out += '\\"';
        break;
      case 0x5c:
        out += '\\\\';
        break;
      case 0x0a:
        out += '\\n';
        break;
      case 0x0d:
        out += '\\r';
        break;
      case 0x09:
        out += '\\t';
        break;
      case 0x08: // Go >= 1.22
        out += '\\b';
        break;
      case 0x0c: // Go >= 1.22
        out += '\\f';
        break;
      default:
        if (c < 0x20 || c === 0x3c || c === 0x3e || c === 0x26 || c === 0x2028 || c === 0x2029) {
          out += '\\u' + HEX[(c >> 12) & 15] + HEX[(c >> 8) & 15] + HEX[(c >> 4) & 15] + HEX[c & 15];
        } else {
          out += s[i];
        }
    }
  }
  return out + '"';
}

export function encodeGo(value: GoValue): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return encodeGoString(value);
    case 'number':
      if (!Number.isSafeInteger(value)) throw new RangeError(`not an integer: ${value}`);
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
  }
  if (Buffer.isBuffer(value)) return `"${value.toString('base64')}"`;
  if (value instanceof GoMap) {
    const keys = [...value.entries.keys()].sort(compareGoStrings);
    return '{' + keys.map((k) => encodeGoString(k) + ':' + encodeGo(value.entries.get(k)!)).join(',') + '}';
  }
  // Array.isArray narrows a readonly array to any[]: say what it holds.
  if (Array.isArray(value)) return '[' + (value as readonly GoValue[]).map((v) => encodeGo(v)).join(',') + ']';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(value as Record<string, GoValue | undefined>)) {
    if (v !== undefined) parts.push(encodeGoString(k) + ':' + encodeGo(v));
  }
  return '{' + parts.join(',') + '}';
}
