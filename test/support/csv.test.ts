// The tests' CSV reader (csv.ts) reads RFC 4180 and refuses what is not.
import { describe, expect, test } from 'bun:test';
import { parseCsv } from './csv';

describe('parseCsv', () => {
  test('reads quoted fields with commas, doubled quotes and line breaks', () => {
    expect(parseCsv('a,b,c\r\n"x, y","say ""hi""","two\r\nlines"\r\n,,\r\n')).toEqual([['a', 'b', 'c'], ['x, y', 'say "hi"', 'two\r\nlines'], ['', '', '']]);
  });

  test.each([
    ['a,b\n1,2\n', 'a bare LF'],
    ['a,b\r\n1,2', 'no CRLF at the end'],
    ['a,b\r\n"1,2\r\n', 'an unclosed quote'],
    ['a,b\r\n1"x,2\r\n', 'a quote inside an unquoted field'],
    ['a,b\r\n1,2,3\r\n', 'a line wider than the header'],
  ])('refuses %j (%s)', (text) => {
    expect(() => parseCsv(text)).toThrow();
  });
});
