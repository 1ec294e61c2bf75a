// A strict RFC 4180 reader for the tests of the CSV exports: CRLF line ends, fields quoted with
// doubled quotes inside, every line as many fields as the header. Anything else is an error,
// so a test that parses an export also checks that it is well-formed.

export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let index = 0;
  const fail = (why: string): never => {
    throw new Error(`CSV is malformed at character ${index} (line ${rows.length + 1}): ${why}`);
  };
  while (index < text.length) {
    let field = '';
    if (text[index] === '"') {
      index++;
      for (;;) {
        if (index >= text.length) fail('a quoted field is never closed');
        const char = text[index]!;
        if (char === '"') {
          if (text[index + 1] === '"') {
            field += '"';
            index += 2;
            continue;
          }
          index++;
          break;
        }
        field += char;
        index++;
      }
    } else {
      while (index < text.length && text[index] !== ',' && text[index] !== '\r' && text[index] !== '\n') {
        if (text[index] === '"') fail('a quote inside an unquoted field');
        field += text[index];
        index++;
      }
    }
    row.push(field);
    if (text[index] === ',') {
      index++;
      continue;
    }
    if (text.startsWith('\r\n', index)) {
      index += 2;
      rows.push(row);
      row = [];
      continue;
    }
    fail(index >= text.length ? 'the last line does not end with CRLF' : `expected a comma or CRLF, found ${JSON.stringify(text[index])}`);
  }
  const width = rows[0]?.length ?? 0;
  rows.forEach((fields, line) => {
    if (fields.length !== width) throw new Error(`CSV line ${line + 1} has ${fields.length} fields, the header ${width}`);
  });
  return rows;
}

/** The lines after the header as objects keyed by the header's names. */
export function csvRecords(text: string): Record<string, string>[] {
  const [header, ...lines] = parseCsv(text);
  if (!header) throw new Error('CSV has no header line');
  return lines.map((fields) => Object.fromEntries(header.map((name, column) => [name, fields[column]!])));
}
