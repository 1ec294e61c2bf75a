// The shared part of the fake inference servers in this folder. Each server module (vllm.ts,
// llama-cpp.ts, ollama.ts, tgi.ts, sglang.ts, sse-starlette.ts) reproduces one project's wire
// format from its own source; this file only plans the generation and serves the bytes.
// Deterministic so tests can compute charges: prompt tokens are the words of the messages'
// contents, completion tokens are `completionTokens` words "tok0 tok1 …", one per stream chunk.

/** Every fake serves one model under this name (the ones that check names answer 404 otherwise). */
export const SERVED_MODEL = 'served-model';
/** Every fake's context window, in tokens: prompt + max_tokens above it is a context overflow. */
export const CONTEXT_TOKENS = 64;

export interface FormatScenario {
  completionTokens: number;
  /** Fail the stream with the server's own error event after this many content chunks. */
  errorAfterChunks: number | null;
  /** Split every write in three (mid-JSON, and just before its last byte), as TCP may. */
  fragmented: boolean;
}

export interface Generation {
  id: string;
  created: number;
  model: string;
  words: string[];
  promptTokens: number;
  maxTokens: number;
}

/** What a test needs to know about one answer: its body or error as the server meant it. */
export interface SentError { status: number; message: string }

export interface FormatUpstream {
  url: string;
  /** Request bodies received, in order. */
  requests: Record<string, any>[];
  /** Error messages the fake sent, as HTTP errors or stream error events. */
  errors: SentError[];
  setScenario(scenario: Partial<FormatScenario>): void;
  reset(): void;
  stop(): Promise<void>;
}

export type Answer = (body: Record<string, any>, generation: Generation, scenario: FormatScenario, errors: SentError[]) => Response;

const DEFAULT_SCENARIO: FormatScenario = { completionTokens: 5, errorAfterChunks: null, fragmented: false };
const encoder = new TextEncoder();
let generationCount = 0;

export function startFormatUpstream(answer: Answer): FormatUpstream {
  let scenario: FormatScenario = { ...DEFAULT_SCENARIO };
  const requests: Record<string, any>[] = [];
  const errors: SentError[] = [];
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    idleTimeout: 0,
    async fetch(request) {
      const body = (await request.json()) as Record<string, any>;
      requests.push(body);
      return answer(body, planGeneration(body, scenario), scenario, errors);
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    requests,
    errors,
    setScenario: (next) => { scenario = { ...DEFAULT_SCENARIO, ...next }; },
    reset: () => {
      scenario = { ...DEFAULT_SCENARIO };
      requests.length = 0;
      errors.length = 0;
    },
    stop: () => server.stop(true),
  };
}

function planGeneration(body: Record<string, any>, scenario: FormatScenario): Generation {
  const limit = body.max_completion_tokens ?? body.max_tokens;
  const count = typeof limit === 'number' ? Math.min(limit, scenario.completionTokens) : scenario.completionTokens;
  const contents = Array.isArray(body.messages) ? body.messages.map((message: any) => message?.content) : [];
  return {
    id: `gen${++generationCount}`,
    created: Math.floor(Date.now() / 1000),
    model: String(body.model),
    words: Array.from({ length: count }, (_, index) => `tok${index}${index < count - 1 ? ' ' : ''}`),
    promptTokens: countWords(contents),
    maxTokens: typeof limit === 'number' ? limit : 0,
  };
}

export function countWords(value: unknown): number {
  if (typeof value === 'string') return value.split(/\s+/).filter((word) => word !== '').length;
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + countWords(item), 0);
  return 0;
}

export const overflows = (generation: Generation) => generation.promptTokens + generation.maxTokens > CONTEXT_TOKENS;
export const textOf = (generation: Generation) => generation.words.join('');

/** A body of exactly these bytes (servers differ in JSON spacing and trailing newlines). */
export function rawJson(status: number, text: string): Response {
  return new Response(text, { status, headers: { 'content-type': 'application/json' } });
}

/** An event stream written piece by piece, one write per pull, so the client sees them apart. */
export function eventStream(pieces: string[], scenario: FormatScenario, headers: Record<string, string> = {}): Response {
  const writes = scenario.fragmented ? pieces.flatMap(fragment) : pieces;
  let index = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (index === writes.length) return controller.close();
      controller.enqueue(encoder.encode(writes[index++]!));
    },
  }, { highWaterMark: 0 });
  return new Response(stream, { headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...headers } });
}

function fragment(piece: string): string[] {
  if (piece.length < 4) return [piece];
  const middle = Math.floor(piece.length / 2);
  return [piece.slice(0, middle), piece.slice(middle, -1), piece.slice(-1)];
}
