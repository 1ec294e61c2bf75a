// Measures how deeply a JSON text nests without parsing it: one pass with a counter, so a body
// of a hundred thousand '[' costs a loop, not a hundred thousand stack frames.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

/**
 * True when some array or object in `text` sits more than `depthMax` levels deep. Brackets
 * inside strings do not count. Malformed text is measured the same way and left to the parser.
 */
export function jsonNestingExceeds(text: string, depthMax: number): boolean {
  let depth = 0;
  let index = 0;
  while (index < text.length) {
    const code = text.charCodeAt(index);
    if (code === QUOTE) {
      index = endOfString(text, index + 1);
    } else if (code === OPEN_ARRAY || code === OPEN_OBJECT) {
      depth += 1;
      if (depth > depthMax) return true;
    } else if (code === CLOSE_ARRAY || code === CLOSE_OBJECT) {
      depth -= 1;
    }
    index += 1;
  }
  return false;
}

/** The index of the quote that closes the string starting at `start`, or the end of the text. */
function endOfString(text: string, start: number): number {
  let from = start;
  for (;;) {
    // Strings are most of a chat body's bytes; indexOf skips them natively.
    const quote = text.indexOf('"', from);
    if (quote === -1) return text.length;
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes += 1;
    if (backslashes % 2 === 0) return quote;
    from = quote + 1;
  }
}
