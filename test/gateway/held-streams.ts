// An upstream whose streams stay open until the test ends them: each chat request gets its first
// chunk at once and nothing more until `finishOldest()` sends the rest (usage, [DONE]). For
// tests that need requests in flight for exactly as long as they say, without guessing a delay.
const encoder = new TextEncoder();
const chunk = (value: unknown) => encoder.encode(`data: ${JSON.stringify(value)}\n\n`);
const HEAD = { id: 'chatcmpl-held', object: 'chat.completion.chunk', created: 0, model: 'fake-model' };

export interface HeldStreams {
  url: string;
  /** Streams open now (a client that left closes its own). */
  open: () => number;
  /** Ends the oldest open stream: one more token, the usage (3 prompt, 2 completion tokens), [DONE]. */
  finishOldest: () => void;
  stop: () => Promise<void>;
}

export function startHeldStreams(): HeldStreams {
  const open: ReadableStreamDefaultController<Uint8Array>[] = [];
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    idleTimeout: 0,
    async fetch(request) {
      await request.text();
      let own: ReadableStreamDefaultController<Uint8Array>;
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          own = controller;
          open.push(controller);
          controller.enqueue(chunk({ ...HEAD, choices: [{ index: 0, delta: { role: 'assistant', content: 'first ' }, finish_reason: null }] }));
        },
        cancel() {
          open.splice(open.indexOf(own), 1);
        },
      });
      return new Response(stream, { headers: { 'content-type': 'text/event-stream' } });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    open: () => open.length,
    finishOldest: () => {
      const controller = open.shift();
      if (!controller) throw new Error('no held stream is open');
      controller.enqueue(chunk({ ...HEAD, choices: [{ index: 0, delta: { content: 'last' }, finish_reason: 'stop' }] }));
      controller.enqueue(chunk({ ...HEAD, choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } }));
      controller.enqueue(encoder.encode('data: [DONE]\n\n'));
      controller.close();
    },
    stop: async () => {
      await server.stop(true);
    },
  };
}
