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
const COLON = 0x3a;

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
  // Read backwards from the closing brace, member by member: usage is the last member or near it
  // in every server's answers, so the scan usually stops after a few bytes.
  const close = text.lastIndexOf('}');
  let last = skipWhitespaceBack(text, close - 1);
  if (text.charCodeAt(last) === OPEN_OBJECT) return { value: null, close, empty: true };
  for (;;) {
    const start = startOfValue(text, last);
    const keyEnd = skipWhitespaceBack(text, skipWhitespaceBack(text, start - 1) - 1);
    const keyStart = startOfString(text, keyEnd);
    const keyText = text.slice(keyStart + 1, keyEnd);
    if (keyText === key || (keyText.includes('\\') && JSON.parse(`"${keyText}"`) === key)) return { value: { start, end: last + 1 }, close, empty: false };
    const separator = skipWhitespaceBack(text, keyStart - 1);
    if (separator < 0) throw new Error('not the text of a JSON object');
    if (text.charCodeAt(separator) === OPEN_OBJECT) return { value: null, close, empty: false };
    last = skipWhitespaceBack(text, separator - 1);
  }
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
  const separator = text.charCodeAt(skipWhitespaceBack(text, close - 1)) === OPEN_OBJECT ? '' : ',';
  return `${text.slice(0, close)}${separator}${JSON.stringify(key)}:${valueJson}${text.slice(close)}`;
}

/** The index where the value whose last character is at `last` starts. */
function startOfValue(text: string, last: number): number {
  const code = text.charCodeAt(last);
  if (code === QUOTE) return startOfString(text, last);
  if (code === CLOSE_OBJECT || code === CLOSE_ARRAY) return startOfContainer(text, last);
  // A number, true, false or null: back to the colon or the space before it.
  let index = last;
  while (index > 0 && text.charCodeAt(index - 1) !== COLON && !isWhitespace(text.charCodeAt(index - 1))) index -= 1;
  return index;
}

/** The index of the bracket that opens the array or object closed at `last`; strings inside are skipped whole. */
function startOfContainer(text: string, last: number): number {
  let depth = 0;
  for (let index = last; index >= 0; index -= 1) {
    const code = text.charCodeAt(index);
    if (code === QUOTE) {
      index = startOfString(text, index);
    } else if (code === CLOSE_OBJECT || code === CLOSE_ARRAY) {
      depth += 1;
    } else if (code === OPEN_OBJECT || code === OPEN_ARRAY) {
      depth -= 1;
      if (depth === 0) return index;
    }
  }
  return 0;
}

/**
 * The index of the quote that opens the string closed at `close`: the nearest quote before it
 * that is not escaped, since a string holds no unescaped quote.
 */
function startOfString(text: string, close: number): number {
  let quote = close;
  for (;;) {
    // Strings are most of a body's bytes; lastIndexOf skips them natively.
    quote = text.lastIndexOf('"', quote - 1);
    if (quote <= 0) return quote;
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes += 1;
    if (backslashes % 2 === 0) return quote;
  }
}

function skipWhitespaceBack(text: string, start: number): number {
  let index = start;
  while (isWhitespace(text.charCodeAt(index))) index -= 1;
  return index;
}

function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}
