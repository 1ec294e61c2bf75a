// Editing one member of a JSON object's text (src/gateway/json-splice.ts): whatever the text's
// spacing, nesting and escapes, the edited text parses to what assigning the member to the parsed
// object gives, and every byte outside the edited value stays as it was.
import fc from 'fast-check';
import { describe, expect, test } from 'bun:test';
import { appendMember, locateMember, setMember } from '../../src/gateway/json-splice';

/** Any JSON value's text, spaced in one of the ways servers space it. */
function spaced(value: unknown, style: number): string {
  if (style === 0) return JSON.stringify(value);
  if (style === 1) return JSON.stringify(value, null, 2);
  // Python's json.dumps default: a space after ':' and ','.
  return JSON.stringify(value, null, '\t').replace(/\n\t*/g, ' ').replace(/\t/g, '');
}

// Keys that look like the one edited, nested or as text, must not be taken for it.
const key = fc.oneof(fc.constantFrom('usage', 'Usage', 'usage ', 'us\\u0061ge', 'choices', 'cost', '"usage":{'), fc.string());
const json = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, fc.jsonValue({ maxDepth: 2 }), tie('object'), fc.array(tie('value'), { maxLength: 3 })),
  object: fc.dictionary(key.filter((k) => k !== '__proto__'), tie('value'), { maxKeys: 5 }),
}));
// Through JSON once, so that the expected value is what a parser gives back (-0 becomes 0).
const object = (json.object as fc.Arbitrary<Record<string, unknown>>).map((value) => JSON.parse(JSON.stringify(value)) as Record<string, unknown>);

describe('setMember', () => {
  test('parses to the object with the member assigned, for any object, spacing and value', () => {
    fc.assert(
      fc.property(object, fc.integer({ min: 0, max: 2 }), fc.jsonValue({ maxDepth: 2 }), (value, style, member) => {
        const text = spaced(value, style);
        const memberText = JSON.stringify(member);
        const edited = setMember(text, 'usage', memberText);
        expect(JSON.parse(edited)).toEqual({ ...value, usage: JSON.parse(memberText) });
      }),
      { numRuns: 2000 },
    );
  });

  test('a key spelled with escapes is the same key, and of duplicate keys the last one (the one JSON.parse keeps) is edited', () => {
    const text = '{"usage":{"a":1},"x":[1,{"usage":2}],"us\\u0061ge" : {"b":2} }';
    const edited = setMember(text, 'usage', '{"c":3}');
    expect(edited).toBe('{"usage":{"a":1},"x":[1,{"usage":2}],"us\\u0061ge" : {"c":3} }');
    expect(JSON.parse(edited)).toEqual({ usage: { c: 3 }, x: [1, { usage: 2 }] });
  });

  test('outside the edited value every byte stays: number spelling, escapes and key order', () => {
    const text = '{ "id": "c\\u00e9", "n": 1.0, "big": 12345678901234567890, "usage": null, "z": "\\"usage\\":{}" }';
    expect(setMember(text, 'usage', '{"cost":"1"}')).toBe('{ "id": "c\\u00e9", "n": 1.0, "big": 12345678901234567890, "usage": {"cost":"1"}, "z": "\\"usage\\":{}" }');
  });

  test('a missing member is added last, with a comma only when the object has members', () => {
    expect(setMember('{"a":[1,2]}\n', 'usage', '{}')).toBe('{"a":[1,2],"usage":{}}\n');
    expect(setMember(' { } ', 'usage', '1')).toBe(' { "usage":1} ');
  });
});

describe('locateMember', () => {
  test('finds the value span of any top-level member, whatever its type', () => {
    fc.assert(
      fc.property(object, fc.integer({ min: 0, max: 2 }), (value, style) => {
        const text = spaced(value, style);
        const keys = Object.keys(value);
        for (const name of keys) {
          const { value: span } = locateMember(text, name);
          expect(span).not.toBeNull();
          expect(JSON.parse(text.slice(span!.start, span!.end))).toEqual(value[name]);
        }
        expect(locateMember(text, '\u0000absent').value).toBeNull();
        expect(locateMember(text, '\u0000absent').empty).toBe(keys.length === 0);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('appendMember', () => {
  test('parses to the object with the new member, for any object without it and any spacing', () => {
    fc.assert(
      fc.property(object, fc.integer({ min: 0, max: 2 }), (value, style) => {
        const { stream_options: _dropped, ...rest } = value;
        const text = spaced(rest, style);
        const edited = appendMember(text, 'stream_options', '{"include_usage":true}');
        expect(JSON.parse(edited)).toEqual({ ...rest, stream_options: { include_usage: true } });
        // Nothing before the closing brace changes.
        expect(edited.startsWith(text.slice(0, text.lastIndexOf('}')).trimEnd())).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});
