// Finds the raw bytes of each element of a top-level array member of a JSON
// object, exactly as they stand. git-bug derives an operation's id from those
// bytes, so re-serialising the parsed value would give the wrong id.
// The input must already be known to be valid JSON (JSON.parse succeeded).

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Index just past the closing quote of the string starting at `start`. */
function skipString(buf: Uint8Array, start: number): number {
  let i = start + 1;
  for (;;) {
    const q = buf.indexOf(QUOTE, i);
    if (q === -1) return buf.length;
    // An escaped quote has an odd number of backslashes before it.
    let slashes = 0;
    for (let j = q - 1; j > start && buf[j] === BACKSLASH; j--) slashes++;
    if (slashes % 2 === 0) return q + 1;
    i = q + 1;
  }
}

/** Index just past the value starting at `start` (object, array, string or scalar). */
function skipValue(buf: Uint8Array, start: number): number {
  const c = buf[start];
  if (c === QUOTE) return skipString(buf, start);
  if (c !== 0x7b && c !== 0x5b) {
    let i = start;
    while (i < buf.length && buf[i] !== COMMA && buf[i] !== 0x7d && buf[i] !== 0x5d && !isSpace(buf[i])) i++;
    return i;
  }
  let depth = 0;
  let i = start;
  while (i < buf.length) {
    const ch = buf[i];
    if (ch === QUOTE) {
      i = skipString(buf, i);
      continue;
    }
    if (ch === 0x7b || ch === 0x5b) depth++;
    else if (ch === 0x7d || ch === 0x5d) {
      depth--;
      if (depth === 0) return i + 1;
    }
    i++;
  }
  return i;
}

function skipSpace(buf: Uint8Array, i: number): number {
  while (i < buf.length && isSpace(buf[i])) i++;
  return i;
}

/**
 * The raw elements of `obj[key]` where obj is the top-level JSON object in buf.
 * Returns undefined when the key is absent or not an array.
 */
export function rawArrayMember(buf: Uint8Array, key: string): Uint8Array[] | undefined {
  let i = skipSpace(buf, 0);
  if (buf[i] !== 0x7b) return undefined;
  i = skipSpace(buf, i + 1);
  const decoder = new TextDecoder();
  // Like JSON.parse, the last occurrence of a duplicated key wins.
  let found: Uint8Array[] | undefined;
  while (i < buf.length && buf[i] === QUOTE) {
    const keyEnd = skipString(buf, i);
    const name = JSON.parse(decoder.decode(buf.subarray(i, keyEnd))) as string;
    i = skipSpace(buf, keyEnd);
    if (buf[i] !== COLON) return undefined;
    i = skipSpace(buf, i + 1);
    const valueEnd = skipValue(buf, i);
    if (name === key) found = buf[i] === 0x5b ? splitArray(buf, i, valueEnd) : undefined;
    i = skipSpace(buf, valueEnd);
    if (buf[i] === COMMA) i = skipSpace(buf, i + 1);
  }
  return found;
}

function splitArray(buf: Uint8Array, open: number, end: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let i = skipSpace(buf, open + 1);
  while (i < end - 1 && buf[i] !== 0x5d) {
    const valueEnd = skipValue(buf, i);
    out.push(buf.subarray(i, valueEnd));
    i = skipSpace(buf, valueEnd);
    if (buf[i] === COMMA) i = skipSpace(buf, i + 1);
  }
  return out;
}
