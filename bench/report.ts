/** One line of the printed table. */
export interface Row {
  scenario: string;
  measure: string;
  server: string;
  reference: string;
  ratio: string;
  target: string;
  /** undefined: no target, information only. */
  pass?: boolean;
}

export const fmt = {
  rps: (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: n < 100 ? 1 : 0 }),
  ms: (n: number) => `${n < 10 ? n.toFixed(2) : n.toFixed(1)} ms`,
  ratio: (n: number) => n.toFixed(2),
  mb: (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`,
};

export function markdownTable(rows: Row[]): string {
  const header = ['#', 'measure', 'server', 'reference, ceiling or baseline', 'ratio', 'target', 'result'];
  const lines = rows.map((row) => [
    row.scenario,
    row.measure,
    row.server,
    row.reference,
    row.ratio,
    row.target,
    row.pass === undefined ? '—' : row.pass ? 'PASS' : '**FAIL**',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((line) => line[i]!.length)));
  const render = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  return [render(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.map(render)].join('\n');
}
