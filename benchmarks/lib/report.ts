// RESULTS.md pieces: tables, and the list of targets with their verdicts.

export function table(head: string[], rows: string[][]): string {
  const esc = (c: string) => c.replace(/\|/g, '\\|');
  return [
    `| ${head.map(esc).join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

export interface Target {
  figure: string;
  target: string;
  measured: string;
  verdict: string;
  /** where the time or memory goes, from profiling; shown when the target is missed */
  cost?: string;
}

export interface Section {
  title: string;
  /** Markdown body: method, baseline, table, notes */
  body: string;
  targets: Target[];
}
