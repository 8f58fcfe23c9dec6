import { isUtf8 } from 'node:buffer';

const REPLACEMENT = '\ufffd';

/**
 * Decodes UTF-8 as Go does: every byte that does not start a valid sequence
 * becomes one U+FFFD. (TextDecoder replaces a whole broken sequence with one,
 * so the same bytes would read differently here and in git-bug.) Valid input,
 * the common case, takes the native path.
 */
export function decodeUtf8(bytes: Uint8Array): string {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (isUtf8(buf)) return buf.toString('utf8');
  let out = '';
  let start = 0; // start of the current run of valid bytes
  let i = 0;
  while (i < buf.length) {
    const width = validSequence(buf, i);
    if (width > 0) {
      i += width;
      continue;
    }
    out += buf.toString('utf8', start, i) + REPLACEMENT;
    i += 1;
    start = i;
  }
  return out + buf.toString('utf8', start, i);
}

/** Length of the valid UTF-8 sequence at i, or 0 (Go's utf8.DecodeRune rules). */
function validSequence(b: Buffer, i: number): number {
  const c = b[i];
  if (c < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < b.length && b[i + k] >= lo && b[i + k] <= hi;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if ((c >= 0xe1 && c <= 0xec) || c === 0xee || c === 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (c === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0; // no surrogates
  if (c === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xf1 && c <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}
