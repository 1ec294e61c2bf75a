// Plain-text tables: a metric column, right-aligned number columns, then left-aligned text
// columns (target, result).
export type Cell = number | string | null;

export function formatTable(header: string[], rows: Cell[][], numberColumns: number): string {
  const lines = [header, ...rows.map((row) => header.map((_, column) => cell(row[column] ?? '')))];
  const widths = header.map((_, column) => Math.max(...lines.map((line) => line[column]!.length)));
  const right = (column: number) => column >= 1 && column <= numberColumns;
  const format = (line: string[]) => line.map((text, column) => (right(column) ? text.padStart(widths[column]!) : text.padEnd(widths[column]!))).join('  ').trimEnd();
  return [format(lines[0]!), widths.map((width) => '-'.repeat(width)).join('  '), ...lines.slice(1).map(format)].join('\n');
}

/** Whole numbers as they are; others with three decimals, one from 100 up, none from 1000 up. */
export function cell(value: Cell): string {
  if (value === null) return '-';
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) return 'n/a';
  if (Number.isInteger(value)) return value.toString();
  if (Math.abs(value) >= 1000) return Math.round(value).toString();
  if (Math.abs(value) >= 100) return value.toFixed(1);
  return value.toFixed(3);
}
