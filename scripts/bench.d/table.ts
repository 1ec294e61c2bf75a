// The benchmark's one table: metric, direct, bare proxy, inferport, target, result.
export interface TargetCheck {
  metric: string;
  value: number;
  target: string;
  pass: boolean;
}

export type Cell = number | string | null;
export type Row = [metric: string, direct: Cell, bare: Cell, inferport: Cell, target?: TargetCheck];

const HEADER = ['metric', 'direct', 'bare proxy', 'inferport', 'target', 'result'];

export function formatTable(rows: Row[]): string {
  const lines = [HEADER, ...rows.map(([metric, direct, bare, inferport, check]) => [
    metric,
    cell(direct),
    cell(bare),
    cell(inferport),
    check?.target ?? '',
    check ? (check.pass ? 'pass' : 'FAIL') : '',
  ])];
  const widths = HEADER.map((_, column) => Math.max(...lines.map((line) => line[column]!.length)));
  const format = (line: string[]) =>
    line.map((text, column) => (column === 0 || column >= 4 ? text.padEnd(widths[column]!) : text.padStart(widths[column]!))).join('  ').trimEnd();
  return [format(lines[0]!), widths.map((width) => '-'.repeat(width)).join('  '), ...lines.slice(1).map(format)].join('\n');
}

/** Whole numbers as they are; others with three decimals, one from 100 up, none from 1000 up. */
function cell(value: Cell): string {
  if (value === null) return '-';
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) return 'n/a';
  if (Number.isInteger(value)) return value.toString();
  if (Math.abs(value) >= 1000) return Math.round(value).toString();
  if (Math.abs(value) >= 100) return value.toFixed(1);
  return value.toFixed(3);
}
