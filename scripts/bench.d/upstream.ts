// The benchmark's upstream: a zero-delay fake OpenAI server whose every answer is precomputed, so
// that it costs as little CPU as Bun allows and never becomes what the benchmark measures. Unlike
// test/support/fake-upstream.ts it records nothing. Prints "listening PORT" once it accepts.
//
//   POST /v1/chat/completions             a fixed small completion with usage
//   ... with "stream": true               64 SSE chunks (+ the usage chunk when
//                                         stream_options.include_usage), then [DONE]

const MODEL = 'bench-model';
const STREAM_CHUNKS = 64;
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

/** Every event of a stream, one Uint8Array each, [DONE] last. */
function streamEvents(includeUsage: boolean): Uint8Array[] {
  const head = { id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1_700_000_000, model: MODEL };
  const extra = includeUsage ? { usage: null } : {};
  const events: string[] = [];
  for (let index = 0; index < STREAM_CHUNKS; index++) {
    const delta = index === 0 ? { role: 'assistant', content: 'tok ' } : { content: 'tok ' };
    events.push(JSON.stringify({ ...head, choices: [{ index: 0, delta, finish_reason: null, logprobs: null }], ...extra }));
  }
  events.push(JSON.stringify({ ...head, choices: [{ index: 0, delta: {}, finish_reason: 'stop', logprobs: null }], ...extra }));
  if (includeUsage) events.push(JSON.stringify({ ...head, choices: [], usage: USAGE }));
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

async function answer(request: Request): Promise<Response> {
  if (request.method !== 'POST' || !request.url.endsWith('/v1/chat/completions')) {
    return new Response('{"error":{"message":"not found","type":"invalid_request_error","param":null,"code":"not_found"}}', { status: 404, headers: JSON_HEADERS });
  }
  const text = await request.text();
  if (!STREAM_FLAG.test(text)) return new Response(COMPLETION, { headers: JSON_HEADERS });
  return streamResponse(USAGE_FLAG.test(text) ? STREAM_WITH_USAGE : STREAM_WITHOUT_USAGE);
}

const server = Bun.serve({ hostname: '127.0.0.1', port: 0, idleTimeout: 0, fetch: answer });
console.log(`listening ${server.port}`);

export {}; // a module: its top-level names are its own
