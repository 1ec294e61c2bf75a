import { log } from '../logs/logger';
// CSV as RFC 4180 says: fields separated by commas, lines ended by CRLF, a field holding a
// comma, a double quote, CR or LF enclosed in double quotes with its quotes doubled, a header
// line first. An export is streamed a page at a time as the client reads it (a pull-based
// stream with no buffer ahead), so a long history never sits in memory whole.

const NEEDS_QUOTES = /[",\r\n]/;
// A spreadsheet runs a cell that starts like this as a formula (CSV injection, OWASP).
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvField(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export function csvLine(fields: readonly string[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

/**
 * A free-text field (a memo, a key's name): one that a spreadsheet would take for a formula gets
 * a leading apostrophe, which spreadsheets show as text. Amounts are never passed through this:
 * "-1.500000" must stay a number.
 */
export function csvText(value: string | null): string {
  if (value === null) return '';
  return FORMULA_START.test(value) ? `'${value}` : value;
}

export interface CsvPage<P> {
  lines: string[][];
  /** Where the next page starts; null after the last one. */
  next: P | null;
}

export interface CsvPages<P> {
  header: readonly string[];
  /** The page after `position`, or the first with null. */
  read: (position: P | null) => Promise<CsvPage<P>>;
}

export async function csvResponse<P>(pages: CsvPages<P>, filename: string): Promise<Response> {
  const encoder = new TextEncoder();
  // The first page is read before answering: a failure there is still an error JSON with its
  // status, not a body cut short. Later failures can only end the stream early.
  let page = await pages.read(null);
  let pending: string | null = csvLine(pages.header) + page.lines.map(csvLine).join('');
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (pending !== null) {
          controller.enqueue(encoder.encode(pending));
          pending = null;
          return;
        }
        if (page.next === null) return controller.close();
        try {
          page = await pages.read(page.next);
        } catch (error) {
          log.error(`[inferport] the export ${filename} failed after its first page; the client got a truncated file`, error);
          throw error;
        }
        controller.enqueue(encoder.encode(page.lines.map(csvLine).join('')));
      },
    },
    { highWaterMark: 0 },
  );
  return new Response(body, {
    headers: {
      'content-type': 'text/csv; charset=utf-8; header=present',
      'content-disposition': `attachment; filename="${filename}"`,
      'cache-control': 'no-store',
    },
  });
}
