// An upstream that answers with exactly what a test scripts: a status, headers, and a JSON body
// or a list of raw SSE events. For reproducing a real server's wire format byte for byte, where
// the behaviour-driven fake (test/support/fake-upstream.ts) speaks only OpenAI's.

export interface ScriptedAnswer {
  status?: number;
  headers?: Record<string, string>;
  /** A JSON body (objects are serialised) or raw text. */
  body?: unknown;
  /** SSE events, each sent as given followed by a blank line ("data: {...}"). */
  events?: string[];
}

export interface ScriptedUpstream {
  url: string;
  /** The answer to every later request, until replaced. */
  answer(script: ScriptedAnswer): void;
  stop(): Promise<void>;
}

const encoder = new TextEncoder();

export function startScriptedUpstream(): ScriptedUpstream {
  let script: ScriptedAnswer = { body: {} };
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(request) {
      await request.text();
      return respond(script);
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    answer: (next) => {
      script = next;
    },
    stop: async () => {
      await server.stop(true);
    },
  };
}

function respond({ status = 200, headers = {}, body, events }: ScriptedAnswer): Response {
  if (events) {
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const event of events) controller.enqueue(encoder.encode(`${event}\n\n`));
        controller.close();
      },
    });
    return new Response(stream, { status, headers: { 'content-type': 'text/event-stream', ...headers } });
  }
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const type = typeof body === 'string' ? 'text/plain' : 'application/json';
  return new Response(text, { status, headers: { 'content-type': type, ...headers } });
}

/** One SSE data event for a JSON value. */
export const data = (value: unknown): string => `data: ${JSON.stringify(value)}`;

/** An OpenAI chat chunk carrying `content`, as vLLM, llama.cpp and TGI all send them. */
export function contentChunk(content: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'chatcmpl-scripted',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: 'fake-model',
    choices: [{ index: 0, delta: { content }, finish_reason: null, logprobs: null }],
    ...extra,
  };
}
