// The URL of a fuzzed request: path parameters (real ids of seeded records, or hostile ones)
// and query strings (declared parameters with hostile or valid values, repeated, unknown ones).
import fc from 'fast-check';
import type { QueryParam } from './route-catalog';
import type { JsonSchema } from './schema-values';

/** Percent-encodes the UTF-8 bytes of a string (a lone surrogate becomes U+FFFD, as on the wire). */
const percentEncode = (value: string) => [...Buffer.from(value, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0').toUpperCase()}`).join('');

const HOSTILE_SEGMENTS = [
  '%00', '%', '%zz', '%ED%A0%80', '%C0%AF', '%FF', '%E2%80%AE', '%20', '%2F', 'a%2Fb', '.', 'null', 'undefined', '-1', '1e309',
  'acct_doesnotexist', 'key_doesnotexist', 'x'.repeat(64), 'x'.repeat(65), 'é', '%F0%9F%98%80', "'%20OR%201=1", '%5B%5D',
];

export function pathSegmentArbitrary(realIds: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...realIds) },
    { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_SEGMENTS) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 70 }).map(percentEncode) },
  );
}

const HOSTILE_QUERY_VALUES = [
  '1.5', 'Infinity', '-Infinity', 'NaN', '%20', '+', '', '-1', '0', '1', '2', '500', '501', '1e30', '1e309', '-0', '0x10', '1_000', '%00',
  'abc', '%EF%BC%91', '5%20', '%', '%zz', '%ED%A0%80', '%C3%A9', '[]', '{}', 'true', 'null',
  '2024-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '%2B275760-09-13T00:00:00.000Z', '2024-02-30T00:00:00Z', 'x'.repeat(65), 'acct_doesnotexist',
];

/** For numeric parameters: fractions, non-finite, out of range, not quite numbers. */
const HOSTILE_NUMERIC_VALUES = ['1.5', '0.5', '499.9', '1.0000000000000002', 'Infinity', '-Infinity', 'NaN', '%20', '', '-1', '0', '501', '1e30', '1e309', '-0', '0x10', '1_000', '1e2', '5%20', '%2B5', '%EF%BC%91'];
/** For date-time parameters: impossible dates, the edges of what Date can hold, other formats. */
const HOSTILE_DATE_VALUES = ['2024-02-30T00:00:00Z', '2024-13-01T00:00:00Z', '%2B275760-09-13T00:00:00.000Z', '%2B275760-09-13T00:00:00.001Z', '-271821-04-20T00:00:00Z', '0000-01-01T00:00:00Z', '1970-01-01T00:00:00Z', '2024-01-01', '2024-01-01T25:00:00Z', '2024-01-01T00:00:00%2B99:99', 'now', '0'];

const hostileQueryValue = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_QUERY_VALUES) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }).map(percentEncode) },
);

function kindOfParam(schema: JsonSchema): 'number' | 'date-time' | 'string' {
  const types = [schema.type, schema.format, ...(schema.anyOf ?? []).flatMap((branch) => [branch.type, branch.format])];
  if (types.includes('number') || types.includes('integer') || types.includes('numeric')) return 'number';
  return types.includes('date-time') ? 'date-time' : 'string';
}

/** A value the parameter accepts, so that the other parameters' values are what gets tested. */
function validQueryValue(schema: JsonSchema): fc.Arbitrary<string> {
  const kind = kindOfParam(schema);
  if (kind === 'number') return fc.integer({ min: schema.minimum ?? 1, max: schema.maximum ?? 100 }).map(String);
  if (kind === 'date-time') return fc.integer({ min: -3650, max: 3650 }).map((days) => encodeURIComponent(new Date(Date.now() + days * 86_400_000).toISOString()));
  return fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789_'), maxLength: 20 });
}

/** Mostly a hostile value, of the parameter's own kind where it has one; else a valid one. */
function queryValue(schema: JsonSchema): fc.Arbitrary<string> {
  const kind = kindOfParam(schema);
  const ownKind = kind === 'number' ? HOSTILE_NUMERIC_VALUES : kind === 'date-time' ? HOSTILE_DATE_VALUES : null;
  const hostile = ownKind ? fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...ownKind) }, { weight: 1, arbitrary: hostileQueryValue }) : hostileQueryValue;
  return fc.oneof({ weight: 3, arbitrary: hostile }, { weight: 2, arbitrary: validQueryValue(schema) });
}

/** Declared parameters (absent, once, or repeated); now and then unknown ones or malformed syntax. */
export function queryArbitrary(params: QueryParam[]): fc.Arbitrary<string> {
  const declared = params.map((param) =>
    fc
      .oneof({ weight: 3, arbitrary: fc.constant([]) }, { weight: 5, arbitrary: fc.tuple(queryValue(param.schema)) }, { weight: 1, arbitrary: fc.array(queryValue(param.schema), { minLength: 2, maxLength: 3 }) })
      .map((values) => values.map((value) => `${encodeURIComponent(param.name)}=${value}`)),
  );
  const names = [...params.map((param) => param.name), 'x', '__proto__', 'constructor', `${params[0]?.name ?? 'limit'}[]`, '%', ''];
  const unknownPart = fc.tuple(fc.constantFrom(...names), hostileQueryValue).map(([name, value]) => `${name}=${value}`);
  const unknown = fc.oneof({ weight: 8, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(unknownPart, { minLength: 1, maxLength: 2 }) });
  const syntax = fc.oneof({ weight: 12, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom('&', '&&', '=', '==', 'limit', '%', '&=&') });
  return fc.tuple(fc.tuple(...declared), unknown, syntax).map(([declaredParts, unknownParts, junk]) => {
    const parts = [...declaredParts.flat(), ...unknownParts, ...(junk ? [junk] : [])];
    return parts.length === 0 ? '' : `?${parts.join('&')}`;
  });
}

