// StreamWatch.takeBytes (src/gateway/stream-watch.ts): the relay forwards the upstream's own
// bytes when a chunk holds whole events that pass unchanged, and otherwise the text take() gives;
// however the bytes are cut, the client gets exactly what take() would have given it.
import fc from 'fast-check';
import { describe, expect, test } from 'bun:test';
import { StreamWatch } from '../../src/gateway/stream-watch';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const chunk = (content: string, extra: Record<string, unknown> = {}) =>
  `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 5, model: 'm', choices: [{ index: 0, delta: { content } }], ...extra })}\n\n`;
const usage = { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 };

describe('StreamWatch.takeBytes', () => {
  test('a chunk of whole events that pass unchanged is forwarded as the very bytes that came', () => {
    const watch = new StreamWatch('chat.completions');
    for (const text of [chunk('héllo ', { usage: null }), `: keep-alive\n\n${chunk('a')}${chunk('✓')}`, 'event: message\ndata: {"x":1}\n\n']) {
      const bytes = encoder.encode(text);
      expect(watch.takeBytes(bytes)).toBe(bytes);
    }
    expect(watch.tally.contentChunks).toBe(3);
  });

  test('chunks that change, or that do not start and end on an event, are forwarded as take() gives them', () => {
    const watch = new StreamWatch('chat.completions');
    const withUsage = encoder.encode(chunk('hi', { usage }));
    expect(decoder.decode(watch.takeBytes(withUsage)!)).toBe(chunk('hi', { usage: null }));
    const text = chunk('split');
    expect(watch.takeBytes(encoder.encode(text.slice(0, 10)))).toBeNull();
    expect(decoder.decode(watch.takeBytes(encoder.encode(text.slice(10)))!)).toBe(text);
    const crlf = encoder.encode(chunk('x').replace(/\n/g, '\r\n'));
    expect(decoder.decode(watch.takeBytes(crlf)!)).toBe(chunk('x'));
    expect(watch.takeBytes(encoder.encode('data: [DONE]\n\n'))).toBeNull();
    expect(watch.sawDone).toBe(true);
  });

  const event = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 12 }).map((content) => chunk(content)),
    fc.string({ unit: 'grapheme', maxLength: 6 }).map((content) => chunk(content, { usage: null })),
    fc.constant(chunk('u', { usage })),
    fc.constant(`data: ${JSON.stringify({ id: 'c1', choices: [], usage })}\n\n`),
    fc.constant(': keep-alive\n\n'),
    fc.constant('event: ping\ndata: {}\n\n'),
    fc.constant('data: {"error":{"message":"overloaded"}}\n\n'),
    fc.constant('data: [DONE]\n\n'),
  );
  const lineEnds = fc.constantFrom('\n', '\r\n');

  test('for any stream cut anywhere, the bytes forwarded are the text take() forwards', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 12 }), lineEnds, fc.array(fc.nat(), { maxLength: 8 }), (events, lineEnd, cuts) => {
        const bytes = encoder.encode(events.join('').replace(/\n/g, lineEnd));
        const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
        const pieces = [0, ...points, bytes.length].slice(1).map((end, index, ends) => bytes.subarray(index === 0 ? 0 : ends[index - 1], end));
        const byText = new StreamWatch('chat.completions');
        const byBytes = new StreamWatch('chat.completions');
        let text = '';
        const forwarded: Uint8Array[] = [];
        for (const piece of pieces) {
          text += byText.take(piece);
          const out = byBytes.takeBytes(piece);
          if (out) forwarded.push(out);
        }
        expect(decoder.decode(Buffer.concat(forwarded))).toBe(text);
        // The time of the first content is the clock's, not the stream's.
        expect({ ...byBytes.tally, firstContentAtMs: null }).toEqual({ ...byText.tally, firstContentAtMs: null });
        expect(byBytes.sawDone).toBe(byText.sawDone);
      }),
      { numRuns: 1500 },
    );
  });
});
