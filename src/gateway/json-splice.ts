// Edits one member of a JSON object's text without parsing and serialising the rest: the
// gateway adds `cost` to an answer's usage, or asks a stream for its usage, and every other byte
// (key order, number spelling, escapes) reaches the other side as it was sent. The text must be
// valid JSON whose value is an object (the caller has parsed it already): the scan relies on that.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;

/** Where the top-level object's member `key` has its value, and where the object closes. */
export interface MemberLocation {
  /** The value of the last member named `key` (the one JSON.parse keeps), or null when there is none. */
  value: { start: number; end: number } | null;
  /** The index of the object's closing brace. */
  close: number;
  /** The object has no members at all. */
  empty: boolean;
}

export function locateMember(text: string, key: string): MemberLocation {
  let index = skipWhitespace(text, text.indexOf('{') + 1);
  let value: MemberLocation['value'] = null;
  let empty = true;
  while (text.charCodeAt(index) !== CLOSE_OBJECT) {
    if (index >= text.length) throw new Error('not the text of a JSON object');
    empty = false;
    const keyEnd = endOfString(text, index + 1);
    const keyText = text.slice(index + 1, keyEnd);
    const start = skipWhitespace(text, text.indexOf(':', keyEnd) + 1);
    const end = endOfValue(text, start);
    if (keyText === key || (keyText.includes('\\') && JSON.parse(`"${keyText}"`) === key)) value = { start, end };
    index = skipWhitespace(text, end);
    if (text.charCodeAt(index) === COMMA) index = skipWhitespace(text, index + 1);
  }
  return { value, close: index, empty };
}

/**
 * The object's text with member `key` set to `valueJson`: its value replaced where it stands,
 * or the member added last. Parsed, it equals the parsed object with `key` assigned.
 */
export function setMember(text: string, key: string, valueJson: string): string {
  const { value, close, empty } = locateMember(text, key);
  if (value) return `${text.slice(0, value.start)}${valueJson}${text.slice(value.end)}`;
  return `${text.slice(0, close)}${empty ? '' : ','}${JSON.stringify(key)}:${valueJson}${text.slice(close)}`;
}

/**
 * The object's text with a member added last. Only for a key the object does not have (checked
 * on the parsed value): the object's closing brace is the text's last, so nothing is scanned.
 */
export function appendMember(text: string, key: string, valueJson: string): string {
  const close = text.lastIndexOf('}');
  let before = close - 1;
  while (isWhitespace(text.charCodeAt(before))) before -= 1;
  const separator = text.charCodeAt(before) === OPEN_OBJECT ? '' : ',';
  return `${text.slice(0, close)}${separator}${JSON.stringify(key)}:${valueJson}${text.slice(close)}`;
}

/** The index just past the value starting at `start`. */
function endOfValue(text: string, start: number): number {
  const code = text.charCodeAt(start);
  if (code === QUOTE) return endOfString(text, start + 1) + 1;
  if (code === OPEN_OBJECT || code === OPEN_ARRAY) return endOfContainer(text, start);
  let index = start;
  // A number, true, false or null runs to the next separator.
  for (;;) {
    const next = text.charCodeAt(index);
    if (next === COMMA || next === CLOSE_OBJECT || next === CLOSE_ARRAY || isWhitespace(next) || Number.isNaN(next)) return index;
    index += 1;
  }
}

/** The index just past the array or object starting at `start`; strings inside are skipped whole. */
function endOfContainer(text: string, start: number): number {
  let depth = 0;
  let index = start;
  while (index < text.length) {
    const code = text.charCodeAt(index);
    if (code === QUOTE) {
      index = endOfString(text, index + 1);
    } else if (code === OPEN_OBJECT || code === OPEN_ARRAY) {
      depth += 1;
    } else if (code === CLOSE_OBJECT || code === CLOSE_ARRAY) {
      depth -= 1;
      if (depth === 0) return index + 1;
    }
    index += 1;
  }
  return index;
}

/** The index of the quote that closes the string whose first character is at `start`. */
function endOfString(text: string, start: number): number {
  let from = start;
  for (;;) {
    // Strings are most of a body's bytes; indexOf skips them natively.
    const quote = text.indexOf('"', from);
    if (quote === -1) return text.length;
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes += 1;
    if (backslashes % 2 === 0) return quote;
    from = quote + 1;
  }
}

function skipWhitespace(text: string, start: number): number {
  let index = start;
  while (isWhitespace(text.charCodeAt(index))) index += 1;
  return index;
}

function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}
