// SSE event splitting (src/gateway/stream-watch.ts): the relay cuts the upstream's bytes into
// events however the bytes arrive, passes each on at once, and takes usage, [DONE] and error
// events off the stream. (Reading one event: sse-events.test.ts.)
import { describe, expect, test } from 'bun:test';
import { StreamWatch } from '../../src/gateway/stream-watch';

const bytes = (text: string) => new TextEncoder().encode(text);
const chunk = (content: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 5, model: 'm', choices: [{ index: 0, delta: { content } }], ...extra });

/** Feeds `text` to a new watch in pieces of `size` bytes; returns what it forwarded and the watch. */
function feed(text: string, size: number): { out: string; watch: StreamWatch } {
  const watch = new StreamWatch('chat.completions');
  const all = bytes(text);
  let out = '';
  for (let start = 0; start < all.length; start += size) out += watch.take(all.subarray(start, start + size));
  return { out, watch };
}

describe('StreamWatch.take', () => {
  const stream = `data: ${chunk('héllo ')}\n\n: keep-alive\n\ndata: ${chunk('wörld ✓')}\n\ndata: [DONE]\n\n`;

  test('forwards the same events whether the bytes come whole or one at a time (split inside a UTF-8 character too)', () => {
    const whole = feed(stream, stream.length * 4);
    // Chunks without usage pass as they came, comments too; only [DONE] is held back.
    expect(whole.out).toBe(`data: ${chunk('héllo ')}\n\n: keep-alive\n\ndata: ${chunk('wörld ✓')}\n\n`);
    for (const size of [1, 2, 3, 7]) expect(feed(stream, size).out).toBe(whole.out);
    expect(whole.watch.sawDone).toBe(true);
    expect(whole.watch.tally.contentChunks).toBe(2);
  });

  test('an event is held until its blank line arrives', () => {
    const watch = new StreamWatch('chat.completions');
    expect(watch.take(bytes(`data: ${chunk('a')}\n`))).toBe('');
    expect(watch.take(bytes('\n'))).toBe(`data: ${chunk('a')}\n\n`);
  });

  test('CRLF and CR line ends split events like LF', () => {
    for (const end of ['\r\n', '\r']) {
      const { out, watch } = feed(`data: ${chunk('x')}${end}${end}data: [DONE]${end}${end}`, 5);
      expect(out).toBe(`data: ${chunk('x')}\n\n`);
      expect(watch.sawDone).toBe(true);
    }
  });

  test('[DONE] is withheld, and nothing after it is relayed', () => {
    const { out, watch } = feed(`data: [DONE]\n\ndata: ${chunk('late')}\n\n`, 1000);
    expect(out).toBe('');
    expect(watch.ended).toBe(true);
    expect(watch.tally.contentChunks).toBe(0);
  });

  test('usage is taken off the chunks: a usage-only chunk is withheld, a chunk with choices loses it', () => {
    const usage = { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 };
    const text = `data: ${chunk('hi', { usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } })}\n\ndata: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 5, model: 'm', choices: [], usage })}\n\n`;
    const { out, watch } = feed(text, 9);
    expect(out).toBe(`data: ${chunk('hi', { usage: null })}\n\n`);
    expect(watch.tally.usage).toEqual({ promptTokens: 3, completionTokens: 2 });
    // The one final usage chunk carries the upstream's last usage with the cost, under the stream's own id.
    expect(watch.usageChunk({ usage: { promptTokens: 3, completionTokens: 2 }, estimated: false, cost: '0.000005' })).toEqual({
      id: 'c1',
      object: 'chat.completion.chunk',
      created: 5,
      model: 'm',
      choices: [],
      usage: { ...usage, cost: '0.000005' },
    });
  });

  test('an unusable usage report is noted, not charged', () => {
    const { watch } = feed(`data: ${chunk('hi', { usage: { prompt_tokens: -1, completion_tokens: 1 } })}\n\n`, 4);
    expect(watch.tally.usage).toBeNull();
    expect(watch.tally.usageProblem).toBe('prompt_tokens is -1');
  });

  test("an upstream's error event ends the stream and is not forwarded as it came", () => {
    const { out, watch } = feed(`data: ${chunk('a')}\n\nevent: error\ndata: {"error":{"message":"overloaded"}}\n\ndata: ${chunk('b')}\n\n`, 6);
    expect(out).toBe(`data: ${chunk('a')}\n\n`);
    expect(watch.ended).toBe(true);
    expect(watch.sawDone).toBe(false);
    expect(watch.tally.upstreamError?.message).toContain('overloaded');
  });
});
