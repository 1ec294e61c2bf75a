// Arbitraries of JSON *text*, not values: numbers such as 1e309 or -0 and 100 000 levels of
// nesting cannot be built with JSON.stringify (it writes Infinity as null and overflows the
// stack), so every generated value is the exact text the client sends.
import fc from 'fast-check';

/** Numbers written as a client may write them: out of range, negative zero, fractional, huge. */
const NASTY_NUMBERS = [
  '1e309', '-1e309', '-0', '0', '1e308', '-1e308', '1.7976931348623157e308', '5e-324', '1.5', '-1', '2', '0.1',
  '1e30', '9007199254740993', '123456789012345678901234567890', '128', '129', '500', '501', '1e-7', '100000000000000000000e-20', '1E2',
];

/** Strings that break naive code: NUL, lone surrogates, bidi and BOM, near-dates, SQL, long ones. */
const NASTY_STRINGS = [
  '', ' ', '\u0000', 'a\u0000b', '\ud800', '\udfff', 'x\ud800y', '\u202e', '\ufeff', '\uffff', '😀', 'é', '\n\r\t', '\\', '"',
  "'; DROP TABLE accounts; --", 'toString', 'valueOf', '__proto__', 'constructor', '%00', '../../etc/passwd', 'null', 'true', 'NaN', 'Infinity', '-1', '1e309', '0.0000001',
  '2024-02-30T00:00:00Z', '9999-12-31T23:59:59.999Z', '+275760-09-13T00:00:00.000Z', '+275760-09-13T00:00:00.001Z',
  '0000-01-01T00:00:00Z', '1970-01-01T00:00:00Z', '2000-01-01T00:00:00.000+99:99', 'a@b', 'a@b.c', 'fake-model',
  'x'.repeat(65), 'x'.repeat(201), 'x'.repeat(501), 'é'.repeat(10_000),
];

export const nastyNumberText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_NUMBERS) },
  { weight: 1, arbitrary: fc.integer().map(String) },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }).map((value) => JSON.stringify(value)) },
);

/** A JSON string literal; lone surrogates come out as \ud800 escapes (well-formed JSON.stringify). */
export const nastyStringText: fc.Arbitrary<string> = fc
  .oneof(
    { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  )
  .map((value) => JSON.stringify(value));

const scalarText = fc.oneof(
  nastyNumberText,
  nastyStringText,
  fc.constantFrom('true', 'false', 'null', '[]', '{}', '[null]', '{"":null}', '""'),
);

/** Nesting no recursive parser or serializer survives: arrays, objects, or both in turn. */
export const deepNestingText: fc.Arbitrary<string> = fc
  .record({
    depth: fc.constantFrom(64, 1_000, 10_000, 100_000),
    shape: fc.constantFrom('array', 'object', 'mixed'),
  })
  .map(({ depth, shape }) => {
    if (shape === 'array') return '['.repeat(depth) + ']'.repeat(depth);
    if (shape === 'object') return '{"a":'.repeat(depth) + 'null' + '}'.repeat(depth);
    const pairs = Math.ceil(depth / 2);
    return '[{"a":'.repeat(pairs) + '1' + '}]'.repeat(pairs);
  });

/** Any small JSON value, as text, with nasty leaves; rarely a very deep one. */
export const jsonValueText: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 6, arbitrary: scalarText },
    { weight: 2, arbitrary: fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`) },
    {
      weight: 2,
      arbitrary: fc.array(fc.tuple(nastyStringText, tie('value')), { maxLength: 4 }).map(objectText),
    },
  ),
})).value;

export const anyValueText: fc.Arbitrary<string> = fc.oneof(
  { weight: 30, arbitrary: jsonValueText },
  { weight: 1, arbitrary: deepNestingText },
);

/** An object from [key text, value text] pairs, in order; a key may repeat. */
export function objectText(entries: [string, string][]): string {
  return `{${entries.map(([key, value]) => `${key}:${value}`).join(',')}}`;
}

/** Bodies that are not a JSON object at all. */
export const notAnObjectText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('', ' ', '\n', 'null', '[]', '"text"', '1e309', '-0', '{', '{"a":1', '{"a":1}}', 'nul\u0000', '{"a":"\u0000"}', "{'a':1}", '{"a":01}', '{"a":NaN}', '\ufeff{}', 'undefined'),
  jsonValueText,
  deepNestingText,
);
