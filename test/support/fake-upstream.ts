// A fake OpenAI-compatible inference server standing in for vLLM, llama.cpp or Ollama, which need
// GPUs. Token counts are deterministic so tests can compute the expected cost: prompt tokens are
// the whitespace-separated words of the prompt, completion tokens are `chunks` words "tok0 tok1 …"
// (fewer when the request's max_tokens / max_completion_tokens is lower; finish_reason is then
// 'length', as OpenAI says). Used by the gateway tests and by the benchmark.

export interface FakeUpstreamOptions { port?: number /* 0 = random */ }
export interface FakeBehavior {
  mode: 'ok' | 'error500' | 'error400' | 'refuse' | 'dieMidStream';
  chunks?: number; // completion tokens to produce; in streams, one chunk per token
  chunkDelayMs?: number; // delay between stream chunks
  gapMs?: number; // a silent pause in a stream after half of the chunks
  omitUsage?: boolean; // never report usage, neither in a body nor in a stream
  dieAfterChunks?: number; // for dieMidStream; half of the chunks when not given
  delayMs?: number; // delay before answering at all
}
/** `finished` is true once a response went out whole ([DONE] for streams); `abortedAtMs` is set
 * when the client went away before that. */
export interface RecordedRequest { path: string; body: any; headers: Record<string, string>; receivedAtMs: number; abortedAtMs: number | null; finished: boolean }
export interface FakeUpstream {
  url: string; // http://127.0.0.1:PORT, without /v1
  /** Replaces the behaviour for later requests: the defaults plus `b`, not the previous call plus `b`. */
  setBehavior(b: Partial<FakeBehavior>): void;
  /** Replaces the override for one model; it is laid over the setBehavior() behaviour. */
  behaviorFor(model: string, b: Partial<FakeBehavior>): void;
  /** Back to the default behaviour, no model overrides, and no recorded requests. */
  reset(): void;
  requests: RecordedRequest[]; // every request received, in order
  stop(): Promise<void>;
}

type Behavior = Required<Omit<FakeBehavior, 'dieAfterChunks'>> & Pick<FakeBehavior, 'dieAfterChunks'>;
/** What the stream of one request needs: its record, and a signal for "stop producing". */
interface Exchange { recorded: RecordedRequest; signal: AbortSignal; cancel: () => void }
interface Completion { id: string; created: number; model: string; words: string[]; promptTokens: number; finishReason: 'stop' | 'length' }

const DEFAULT_BEHAVIOR: Behavior = { mode: 'ok', chunks: 4, chunkDelayMs: 0, gapMs: 0, omitUsage: false, delayMs: 0 };
const FAKE_MODEL = 'fake-model';
// Bun drops the bytes it has not yet written when a body stream errors; this lets the chunks
// already sent reach the client first (20 ms was not always enough with 200 streams at once).
const FLUSH_BEFORE_BREAK_MS = 50;
const encoder = new TextEncoder();
// Responses whose body ends later than the handler returns, or never ends well.
const unfinishedResponses = new WeakSet<Response>();
let completionCount = 0;

export function startFakeUpstream(options: FakeUpstreamOptions = {}): FakeUpstream {
  let globalBehavior: Partial<FakeBehavior> = {};
  const modelBehaviors = new Map<string, Partial<FakeBehavior>>();
  const requests: RecordedRequest[] = [];
  const stopping = new AbortController();

  async function handleRequest(request: Request): Promise<Response> {
    const receivedAtMs = Date.now();
    const path = new URL(request.url).pathname;
    const body = request.method === 'POST' ? parseJson(await request.text()) : null;
    const recorded: RecordedRequest = { path, body, headers: Object.fromEntries(request.headers), receivedAtMs, abortedAtMs: null, finished: false };
    requests.push(recorded);
    request.signal.addEventListener('abort', () => markAborted(recorded), { once: true });
    // Ends pending delays when the client leaves, the stream is cancelled or the fake stops.
    const cancelled = new AbortController();
    const signal = AbortSignal.any([request.signal, stopping.signal, cancelled.signal]);
    const behavior: Behavior = { ...DEFAULT_BEHAVIOR, ...globalBehavior, ...modelBehaviors.get(body?.model) };

    await sleep(behavior.delayMs, signal);
    const response = answer(request.method, path, body, behavior, { recorded, signal, cancel: () => cancelled.abort() });
    if (!unfinishedResponses.has(response)) recorded.finished = true;
    return response;
  }

  function answer(method: string, path: string, body: any, behavior: Behavior, exchange: Exchange): Response {
    if (behavior.mode === 'refuse') return brokenResponse('');
    if (behavior.mode === 'error500') return errorResponse(500, 'The fake upstream failed on purpose.', 'server_error');
    if (behavior.mode === 'error400') return errorResponse(400, 'The fake upstream rejected the request on purpose.', 'invalid_request_error');
    const route = `${method} ${path}`;
    if (route === 'GET /v1/models') {
      const ids = new Set([FAKE_MODEL, ...modelBehaviors.keys()]);
      return Response.json({ object: 'list', data: [...ids].map((id) => ({ id, object: 'model', created: 0, owned_by: 'fake-upstream' })) });
    }
    const known = ['POST /v1/chat/completions', 'POST /v1/completions', 'POST /v1/embeddings'];
    if (!known.includes(route)) return errorResponse(404, `No route ${route}.`, 'not_found_error');
    if (typeof body !== 'object' || body === null) return errorResponse(400, 'The body is not a JSON object.', 'invalid_request_error');
    if (route === 'POST /v1/embeddings') return Response.json(embeddingsBody(body, behavior));

    const chat = route === 'POST /v1/chat/completions';
    const completion = planCompletion(body, behavior, chat);
    if (body.stream === true) {
      const events = streamEvents(completion, behavior, chat, body.stream_options?.include_usage === true, exchange.signal);
      return eventStreamResponse(events, exchange);
    }
    const json = completionBody(completion, behavior, chat);
    if (behavior.mode === 'dieMidStream') return brokenResponse(JSON.stringify(json).slice(0, 40));
    return Response.json(json);
  }

  const server = Bun.serve({ hostname: '127.0.0.1', port: options.port ?? 0, idleTimeout: 0, fetch: handleRequest });
  return {
    url: `http://127.0.0.1:${server.port}`,
    requests,
    setBehavior: (b) => { globalBehavior = { ...b }; },
    behaviorFor: (model, b) => { modelBehaviors.set(model, { ...b }); },
    reset: () => {
      globalBehavior = {};
      modelBehaviors.clear();
      requests.length = 0;
    },
    stop: async () => {
      stopping.abort();
      await server.stop(true);
    },
  };
}

function markAborted(recorded: RecordedRequest): void {
  if (!recorded.finished && recorded.abortedAtMs === null) recorded.abortedAtMs = Date.now();
}

/** Pulls one event at a time, so delays hold back the next chunk and a gone client stops the pulling. */
function eventStreamResponse(events: AsyncGenerator<string, boolean>, { recorded, signal, cancel }: Exchange): Response {
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await events.next();
      if (signal.aborted) return controller.error();
      if (next.value === false) return breakAfterFlush(controller);
      if (next.done !== true) return controller.enqueue(encoder.encode(next.value));
      controller.enqueue(encoder.encode('data: [DONE]\n\n'));
      recorded.finished = true;
      controller.close();
    },
    cancel() {
      markAborted(recorded);
      cancel();
    },
  });
  const response = new Response(stream, { headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' } });
  unfinishedResponses.add(response);
  return response;
}

/** Yields SSE events up to, not including, [DONE]; returns false when it died or was cut short. */
async function* streamEvents(completion: Completion, behavior: Behavior, chat: boolean, includeUsage: boolean, signal: AbortSignal): AsyncGenerator<string, boolean> {
  const count = completion.words.length;
  const half = Math.ceil(count / 2);
  const dieAfter = behavior.dieAfterChunks ?? half;
  const reportUsage = includeUsage && !behavior.omitUsage;
  const head = { id: completion.id, object: chat ? 'chat.completion.chunk' : 'text_completion', created: completion.created, model: completion.model };
  // With include_usage, OpenAI puts `usage: null` on every chunk before the usage chunk.
  const event = (choices: object[], usage: object | null = null) =>
    `data: ${JSON.stringify({ ...head, choices, ...(reportUsage ? { usage } : {}) })}\n\n`;
  const choice = (index: number, finishReason: string | null) => {
    const text = index < count ? completion.words[index] + (index < count - 1 ? ' ' : '') : '';
    if (!chat) return { index: 0, text, finish_reason: finishReason, logprobs: null };
    const delta = index === 0 ? { role: 'assistant', content: text } : index < count ? { content: text } : {};
    return { index: 0, delta, finish_reason: finishReason, logprobs: null };
  };

  for (let index = 0; index < count; index++) {
    if (behavior.mode === 'dieMidStream' && index === dieAfter) return false;
    if (index > 0) await sleep(behavior.chunkDelayMs, signal);
    if (signal.aborted) return false;
    yield event([choice(index, null)]);
    if (index + 1 === half) await sleep(behavior.gapMs, signal);
  }
  if (behavior.mode === 'dieMidStream' || signal.aborted) return false;
  yield event([choice(count, completion.finishReason)]);
  if (reportUsage) yield event([], usageOf(completion));
  return true;
}

function planCompletion(body: any, behavior: Behavior, chat: boolean): Completion {
  const limit = body.max_completion_tokens ?? body.max_tokens;
  const count = typeof limit === 'number' ? Math.min(behavior.chunks, Math.max(0, limit)) : behavior.chunks;
  const prompt = chat ? (Array.isArray(body.messages) ? body.messages.map((message: any) => message?.content) : []) : body.prompt;
  return {
    id: `${chat ? 'chatcmpl' : 'cmpl'}-fake-${++completionCount}`,
    created: Math.floor(Date.now() / 1000),
    model: body.model ?? FAKE_MODEL,
    words: Array.from({ length: count }, (_, index) => `tok${index}`),
    promptTokens: countPromptTokens(prompt),
    finishReason: count < behavior.chunks ? 'length' : 'stop',
  };
}

function usageOf(completion: Completion) {
  const completionTokens = completion.words.length;
  return { prompt_tokens: completion.promptTokens, completion_tokens: completionTokens, total_tokens: completion.promptTokens + completionTokens };
}

function completionBody(completion: Completion, behavior: Behavior, chat: boolean) {
  const text = completion.words.join(' ');
  const choice = chat ? { index: 0, message: { role: 'assistant', content: text } } : { index: 0, text };
  return {
    id: completion.id, object: chat ? 'chat.completion' : 'text_completion', created: completion.created, model: completion.model,
    choices: [{ ...choice, finish_reason: completion.finishReason, logprobs: null }],
    ...(behavior.omitUsage ? {} : { usage: usageOf(completion) }),
  };
}

/** One small vector per input; base64 (little-endian float32) when asked, as the openai SDK does by default. */
function embeddingsBody(body: any, behavior: Behavior) {
  const inputs: unknown[] = Array.isArray(body.input) && typeof body.input[0] !== 'number' ? body.input : [body.input];
  const data = inputs.map((input, index) => {
    const vector = [1 / (index + 1), countPromptTokens(input) / 100, 0.5, -0.5];
    const embedding = body.encoding_format === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
    return { object: 'embedding', index, embedding };
  });
  const promptTokens = countPromptTokens(inputs);
  return { object: 'list', data, model: body.model ?? FAKE_MODEL, ...(behavior.omitUsage ? {} : { usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } }) };
}

/** Words in strings, one per token id, and the text of content parts such as {type:'text', text}. */
function countPromptTokens(value: unknown): number {
  if (typeof value === 'string') return value.split(/\s+/).filter((word) => word !== '').length;
  if (typeof value === 'number') return 1;
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + countPromptTokens(item), 0);
  if (typeof value === 'object' && value !== null && 'text' in value) return countPromptTokens(value.text);
  return 0;
}

/** Sends `prefix` and then breaks the connection: with no prefix the client's fetch fails, else its body read. */
function brokenResponse(prefix: string): Response {
  let prefixSent = false;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (prefix === '') return controller.error();
      if (prefixSent) return breakAfterFlush(controller);
      prefixSent = true;
      controller.enqueue(encoder.encode(prefix));
    },
  });
  const response = new Response(stream, { headers: { 'content-type': 'application/json' } });
  unfinishedResponses.add(response);
  return response;
}

async function breakAfterFlush(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
  await Bun.sleep(FLUSH_BEFORE_BREAK_MS);
  // Bun prints any error object given to a response body; undefined breaks the socket quietly.
  controller.error();
}

function errorResponse(status: number, message: string, type: string): Response {
  const code = status === 404 ? 'not_found' : status === 400 ? 'invalid_request' : 'upstream_error';
  return Response.json({ error: { message, type, param: null, code } }, { status });
}

function parseJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Resolves after `ms`, or at once when `signal` aborts; callers check `signal.aborted` after. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
