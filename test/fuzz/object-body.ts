// The route's own JSON object. Most are valid but for one or two fields made hostile (a wrong
// value of the right kind, a wrong type, missing, given twice) or an extra field: a body wrong in
// one place reaches the code that reads that place. The rest are fully valid, to reach the
// handler, or wrong everywhere.
import fc from 'fast-check';
import { anyValueText, nastyNumberText, nastyStringText, objectText } from './json-text';
import { OPENAI_FIELDS, kindOfField, validValueText, type JsonSchema } from './schema-values';

export function objectBodyText(schema: JsonSchema, template: string): fc.Arbitrary<string> {
  const properties = schema.properties ?? {};
  const openai = OPENAI_FIELDS[template];
  const names = [...new Set([...Object.keys(properties), ...(openai?.required ?? []), ...(openai?.optional ?? [])])];
  const required = new Set([...(schema.required ?? []), ...(openai?.required ?? [])]);
  const valid = (name: string) => validValueText(name, properties[name]);
  const hostile = (name: string) => hostileValueText(kindOfField(name, properties[name]));
  // Each field's texts: [] when absent, two when the key is given twice.
  const validFields = fc.tuple(...names.map((name) => (required.has(name) ? valid(name).map((value) => [value]) : fc.option(valid(name), { nil: undefined }).map((value) => (value === undefined ? [] : [value])))));
  const mutation = (name: string) =>
    fc.oneof(
      { weight: 4, arbitrary: hostile(name).map((value) => [value]) },
      { weight: 1, arbitrary: fc.constant([] as string[]) },
      { weight: 1, arbitrary: fc.tuple(valid(name), hostile(name)) },
    );
  const mutations = names.length === 0 ? fc.constant([]) : fc.array(fc.oneof(...names.map((name, index) => mutation(name).map((values) => [index, values] as const))), { minLength: 1, maxLength: 2 });
  const extraKey = fc.oneof(nastyStringText, fc.constantFrom('model', 'amount', 'billing', 'stream', 'n', '__proto__', 'constructor', 'prototype', 'toString').map((key) => JSON.stringify(key)));
  const extra = fc.tuple(extraKey, anyValueText);
  const toEntries = (fields: string[][]) => fields.flatMap((values, index) => values.map((value): [string, string] => [JSON.stringify(names[index]), value]));

  const mutated = fc.tuple(validFields, mutations, fc.oneof({ weight: 4, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(extra, { minLength: 1, maxLength: 2 }) })).map(([fields, changes, extras]) => {
    const changed = [...fields];
    for (const [index, values] of changes) changed[index] = values;
    return objectText([...toEntries(changed), ...extras]);
  });
  const chaos = fc.tuple(fc.tuple(...names.map((name) => fc.oneof(valid(name), hostile(name), fc.constant(null)).map((value) => (value === null ? [] : [value])))), fc.array(extra, { maxLength: 3 })).map(([fields, extras]) => objectText([...toEntries(fields), ...extras]));
  return fc.oneof({ weight: 3, arbitrary: validFields.map((fields) => objectText(toEntries(fields))) }, { weight: 6, arbitrary: mutated }, { weight: 1, arbitrary: chaos });
}

/** A wrong value of the field's own kind (the likelier to slip through), or of any kind. */
function hostileValueText(kind: 'number' | 'string' | 'other'): fc.Arbitrary<string> {
  const sameKind = kind === 'number' ? nastyNumberText : kind === 'string' ? nastyStringText : anyValueText;
  return fc.oneof({ weight: 3, arbitrary: sameKind }, { weight: 2, arbitrary: anyValueText });
}
