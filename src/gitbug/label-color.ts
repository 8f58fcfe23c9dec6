import { createHash } from 'node:crypto';

// git-bug's palette, in its order: a label looks the same here as in git-bug.
const PALETTE: readonly (readonly [number, number, number])[] = [
  [244, 67, 54],
  [233, 30, 99],
  [156, 39, 176],
  [103, 58, 183],
  [63, 81, 181],
  [33, 150, 243],
  [3, 169, 244],
  [0, 188, 212],
  [0, 150, 136],
  [76, 175, 80],
  [139, 195, 74],
  [205, 220, 57],
  [255, 235, 59],
  [255, 193, 7],
  [255, 152, 0],
  [255, 87, 34],
  [121, 85, 72],
  [158, 158, 158],
  [96, 125, 139],
];

export interface LabelColor {
  r: number;
  g: number;
  b: number;
  /** '#rrggbb' */
  hex: string;
  /** a text colour readable on it */
  text: '#000000' | '#ffffff';
}

/** sum of the bytes of sha256(label), modulo the palette size */
export function labelColor(label: string): LabelColor {
  const digest = createHash('sha256').update(label, 'utf8').digest();
  let sum = 0;
  for (const b of digest) sum += b;
  const [r, g, b] = PALETTE[sum % PALETTE.length];
  const hex = '#' + [r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('');
  // Whichever of black and white contrasts more (WCAG 2 contrast ratio).
  const l = relativeLuminance(r, g, b);
  const onBlack = contrastRatio(l, 0);
  const onWhite = contrastRatio(l, 1);
  return { r, g, b, hex, text: onBlack >= onWhite ? '#000000' : '#ffffff' };
}

/** WCAG 2 relative luminance of an sRGB colour (0 black … 1 white). */
export function relativeLuminance(r: number, g: number, b: number): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** WCAG 2 contrast ratio of two relative luminances (1 … 21). */
export function contrastRatio(a: number, b: number): number {
  const [hi, lo] = a > b ? [a, b] : [b, a];
  return (hi + 0.05) / (lo + 0.05);
}

/** Every colour of the palette, for tests and documentation. */
export const LABEL_PALETTE = PALETTE;
