// Request bodies for a route: mostly the route's own object (see object-body.ts); else not an
// object, not JSON, not UTF-8, absent, over the size limit, or nested deeper than any parser
// or serializer can recurse.
import fc from 'fast-check';
import { deepNestingText, notAnObjectText } from './json-text';
import { objectBodyText } from './object-body';
import type { FuzzRoute } from './route-catalog';

export type FuzzBody = { kind: 'none' } | { kind: 'text'; text: string; chunked: boolean } | { kind: 'bytes'; bytes: Uint8Array };

export function bodyArbitrary(route: FuzzRoute, maxBodyBytes: number): fc.Arbitrary<FuzzBody> {
  const none = fc.constant<FuzzBody>({ kind: 'none' });
  // fetch cannot send a body with GET or HEAD.
  if (route.method === 'GET' || route.method === 'HEAD') return none;
  if (route.body === null) return fc.oneof({ weight: 8, arbitrary: none }, { weight: 2, arbitrary: textBody(notAnObjectText) }, { weight: 1, arbitrary: textBody(objectBodyText({}, route.template)) });
  const invalidUtf8 = fc.constantFrom([0xff, 0xfe], [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d], [0xed, 0xa0, 0x80]).map((bytes): FuzzBody => ({ kind: 'bytes', bytes: new Uint8Array(bytes) }));
  const oversize = fc.constant(`{"model":"fake-model","pad":"${'x'.repeat(maxBodyBytes)}"}`);
  return fc.oneof(
    { weight: 14, arbitrary: textBody(objectBodyText(route.body, route.template)) },
    { weight: 3, arbitrary: textBody(notAnObjectText) },
    { weight: 1, arbitrary: none },
    { weight: 1, arbitrary: invalidUtf8 },
    { weight: 1, arbitrary: textBody(deepInFieldText(route.template)) },
    { weight: 1, arbitrary: textBody(fc.oneof({ weight: 1, arbitrary: oversize }, { weight: 20, arbitrary: deepNestingText })) },
  );
}

/** Mostly sent whole with a Content-Length; sometimes chunked, which the body reader handles apart. */
function textBody(text: fc.Arbitrary<string>): fc.Arbitrary<FuzzBody> {
  const chunked = fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) });
  return fc.tuple(text, chunked).map(([value, isChunked]): FuzzBody => ({ kind: 'text', text: value, chunked: isChunked }));
}

/** A body that looks right except one field holds a very deep value. */
function deepInFieldText(template: string): fc.Arbitrary<string> {
  const field = fc.constantFrom('messages', 'prompt', 'input', 'name', 'metadata', 'stream_options', 'amount');
  return fc.tuple(field, deepNestingText).map(([name, deep]) => {
    const head = template.startsWith('/v1/') ? '"model":"fake-model",' : '';
    return `{${head}${JSON.stringify(name)}:${deep}}`;
  });
}
