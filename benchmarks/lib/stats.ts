// Summaries of repeated measurements, and how they are printed.

export interface Summary {
  n: number;
  min: number;
  median: number;
  max: number;
  p50: number;
  p99: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function summarize(samples: readonly number[]): Summary {
  const s = [...samples].sort((a, b) => a - b);
  const median = s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  return { n: s.length, min: s[0], median, max: s[s.length - 1], p50: percentile(s, 50), p99: percentile(s, 99) };
}

/** Milliseconds with a sensible number of digits. */
export function ms(v: number): string {
  if (!Number.isFinite(v)) return 'n/a';
  if (v === 0) return '0';
  if (v >= 100) return `${Math.round(v).toLocaleString('en-US')} ms`;
  if (v >= 1) return `${v.toFixed(1)} ms`;
  return `${(v * 1000).toFixed(0)} µs`;
}

export function mb(bytes: number): string {
  return Number.isFinite(bytes) ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : 'n/a';
}

/** "median (min–max)" */
export function spread(s: Summary, fmt: (v: number) => string = ms): string {
  if (s.n === 0) return 'n/a';
  if (s.n === 1) return `${fmt(s.median)} (1 run)`;
  return `${fmt(s.median)} (${fmt(s.min)} – ${fmt(s.max)})`;
}

/** How many times `value` is better than `baseline` (both "smaller is better"). */
export function times(baseline: number, value: number): string {
  if (!Number.isFinite(baseline) || !Number.isFinite(value) || value <= 0) return 'n/a';
  const r = baseline / value;
  return r >= 100 ? `${Math.round(r).toLocaleString('en-US')}x` : `${r.toFixed(r >= 10 ? 0 : 2)}x`;
}

/** A target check: "met" or by how much it is missed. */
export function verdict(value: number, target: number, higherIsBetter = false): string {
  if (!Number.isFinite(value)) return 'not measured';
  const met = higherIsBetter ? value >= target : value <= target;
  if (met) return 'met';
  const factor = higherIsBetter ? target / value : value / target;
  return `missed (${factor.toFixed(1)}x the target)`;
}

/** Repeats `fn` and returns each run's milliseconds; stops early once `budgetMs` is spent (after `minRuns`). */
export async function repeat(runs: number, fn: () => Promise<number>, budgetMs = Infinity, minRuns = 1): Promise<number[]> {
  const out: number[] = [];
  const started = performance.now();
  for (let i = 0; i < runs; i++) {
    out.push(await fn());
    if (out.length >= minRuns && performance.now() - started > budgetMs) break;
  }
  return out;
}
