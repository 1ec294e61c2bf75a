// The benchmark's upstream: a zero-delay fake OpenAI server whose every answer is precomputed, so
// that it costs as little CPU as Bun allows and never becomes what the benchmark measures. Unlike
// test/support/fake-upstream.ts it records nothing. Prints "listening PORT" once it accepts.
//
//   POST /v1/chat/completions             a fixed small completion with usage
//   ... with "stream": true               64 SSE chunks (+ the usage chunk when
//                                         stream_options.include_usage), then [DONE]
//   ... with "model": "bench-slow"        the slow stream a real model makes: the first chunk at
//                                         once, then one every BENCH_SLOW_DELAY_MS (20) until
//                                         BENCH_SLOW_CHUNKS (200); the last also carries the end
//                                         (finish, usage, [DONE]) so that every write is one chunk

const MODEL = 'bench-model';
const STREAM_CHUNKS = 64;
const SLOW_MODEL = 'bench-slow';
const SLOW_CHUNKS = Number(process.env.BENCH_SLOW_CHUNKS ?? 200);
const SLOW_DELAY_MS = Number(process.env.BENCH_SLOW_DELAY_MS ?? 20);
const USAGE = { prompt_tokens: 12, completion_tokens: STREAM_CHUNKS, total_tokens: 12 + STREAM_CHUNKS };
const encoder = new TextEncoder();

const COMPLETION = encoder.encode(
  JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: MODEL,
    choices: [{ index: 0, message: { role: 'assistant', content: 'tok '.repeat(STREAM_CHUNKS).trim() }, finish_reason: 'stop', logprobs: null }],
    usage: USAGE,
  }),
);
const STREAM_WITH_USAGE = streamEvents(true);
const STREAM_WITHOUT_USAGE = streamEvents(false);
const JSON_HEADERS = { 'content-type': 'application/json' };
const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };
// Reading the flags with a regular expression avoids a JSON.parse per request on the load core.
const STREAM_FLAG = /"stream"\s*:\s*true/;
const USAGE_FLAG = /"include_usage"\s*:\s*true/;
const SLOW_FLAG = new RegExp(`"model"\\s*:\\s*"${SLOW_MODEL}"`);
const SLOW_STREAM = slowStreamChunks();

/** Every event of a stream, one Uint8Array each, [DONE] last. */
function streamEvents(includeUsage: boolean, model = MODEL, chunks = STREAM_CHUNKS): Uint8Array[] {
  const head = { id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1_700_000_000, model };
  const usage = { prompt_tokens: 12, completion_tokens: chunks, total_tokens: 12 + chunks };
  const extra = includeUsage ? { usage: null } : {};
  const events: string[] = [];
  for (let index = 0; index < chunks; index++) {
    const delta = index === 0 ? { role: 'assistant', content: 'tok ' } : { content: 'tok ' };
    events.push(JSON.stringify({ ...head, choices: [{ index: 0, delta, finish_reason: null, logprobs: null }], ...extra }));
  }
  events.push(JSON.stringify({ ...head, choices: [{ index: 0, delta: {}, finish_reason: 'stop', logprobs: null }], ...extra }));
  if (includeUsage) events.push(JSON.stringify({ ...head, choices: [], usage }));
  events.push('[DONE]');
  return events.map((data) => encoder.encode(`data: ${data}\n\n`));
}

/** Sends the events one enqueue each, as fast as the client reads them. */
function streamResponse(events: Uint8Array[]): Response {
  let next = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      controller.enqueue(events[next++]!);
      if (next === events.length) controller.close();
    },
  });
  return new Response(body, { headers: SSE_HEADERS });
}

/** The slow stream's writes: one event each, the last with the end of the stream (usage always). */
function slowStreamChunks(): Uint8Array[] {
  const events = streamEvents(true, SLOW_MODEL, SLOW_CHUNKS);
  const end = events.splice(SLOW_CHUNKS - 1);
  return [...events, Buffer.concat(end)];
}

/** Sends the chunks on a schedule, each due SLOW_DELAY_MS after the one before (drift-free). */
function slowStreamResponse(chunks: Uint8Array[]): Response {
  let next = 0;
  let startedAt = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (next === 0) startedAt = performance.now();
      const wait = startedAt + next * SLOW_DELAY_MS - performance.now();
      if (wait > 0) await Bun.sleep(wait);
      controller.enqueue(chunks[next++]!);
      if (next === chunks.length) controller.close();
    },
  });
  return new Response(body, { headers: SSE_HEADERS });
}

// What inferport's health probe asks for (src/upstreams/probe.ts), as vLLM lists its models.
const MODELS = encoder.encode(JSON.stringify({ object: 'list', data: [MODEL, SLOW_MODEL].map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'bench' })) }));

async function answer(request: Request): Promise<Response> {
  if (request.method === 'GET' && request.url.endsWith('/v1/models')) return new Response(MODELS, { headers: JSON_HEADERS });
  if (request.method !== 'POST' || !request.url.endsWith('/v1/chat/completions')) {
    return new Response('{"error":{"message":"not found","type":"invalid_request_error","param":null,"code":"not_found"}}', { status: 404, headers: JSON_HEADERS });
  }
  const text = await request.text();
  if (!STREAM_FLAG.test(text)) return new Response(COMPLETION, { headers: JSON_HEADERS });
  if (SLOW_FLAG.test(text)) return slowStreamResponse(SLOW_STREAM);
  return streamResponse(USAGE_FLAG.test(text) ? STREAM_WITH_USAGE : STREAM_WITHOUT_USAGE);
}

const server = Bun.serve({ hostname: '127.0.0.1', port: 0, idleTimeout: 0, fetch: answer });
console.log(`listening ${server.port}`);

export {}; // a module: its top-level names are its own
