// Relays an upstream SSE stream to the client event by event, without buffering beyond one
// event. It watches for usage, withholds the upstream's usage-only chunk (re-emitting it with
// `cost` only when the client asked for usage), and holds back `[DONE]` until the charge is
// settled, so a client that saw the end of its stream was billed durably.
import type { TokenUsage } from './pricing';

export type StreamEnd = 'done' | 'upstream_broken' | 'client_gone';

export interface StreamTally {
  usage: TokenUsage | null;
  /** Data events that carried generated text: one token each, for when no usage comes. */
  contentChunks: number;
  firstContentAtMs: number | null;
}

export interface Settled {
  cost: string | null;
  usage: TokenUsage;
}

export interface RelayOptions {
  upstream: ReadableStream<Uint8Array>;
  clientWantsUsage: boolean;
  keepAliveMs: number;
  /** Settles the request. Called exactly once; returns the cost and the usage it charged. */
  finish: (end: StreamEnd, tally: StreamTally) => Promise<Settled>;
  /** Stops the upstream request (the client went away). */
  abortUpstream: () => void;
}

type ReadResult = { done: true; value?: undefined } | { done: false; value: Uint8Array };

const USAGE_OBJECT = /"usage"\s*:\s*\{/;
const GENERATED_TEXT = /"(?:content|text)"\s*:\s*"[^"]/;
const KEEP_ALIVE = new TextEncoder().encode(': keep-alive\n\n');

export class SseRelay {
  readonly stream: ReadableStream<Uint8Array>;
  readonly tally: StreamTally = { usage: null, contentChunks: 0, firstContentAtMs: null };
  private readonly reader: { read(): Promise<ReadResult>; cancel(reason?: unknown): Promise<void> };
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder();
  private buffer = '';
  private pendingRead: Promise<ReadResult> | null = null;
  private usageEvent: Record<string, unknown> | null = null;
  private sawDone = false;
  private finishing: Promise<Settled> | null = null;

  constructor(private readonly options: RelayOptions) {
    this.reader = options.upstream.getReader() as unknown as SseRelay['reader'];
    this.stream = new ReadableStream<Uint8Array>(
      {
        pull: (controller) => this.pull(controller),
        cancel: () => this.clientGone(),
      },
      // Pull one event at a time: a slow client slows the upstream read, not our memory.
      { highWaterMark: 0 },
    );
  }

  /** The client disconnected: stop the upstream and settle for what was generated. */
  async clientGone(): Promise<void> {
    if (this.finishing) return void (await this.finishing);
    this.options.abortUpstream();
    this.reader.cancel().catch(() => {});
    await this.finish('client_gone');
  }

  private finish(end: StreamEnd): Promise<Settled> {
    this.finishing ??= this.options.finish(end, this.tally);
    return this.finishing;
  }

  private async pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    for (;;) {
      let result: ReadResult | 'idle';
      try {
        this.pendingRead ??= this.reader.read();
        result = await withIdleTick(this.pendingRead, this.options.keepAliveMs);
      } catch {
        return this.end(controller, 'upstream_broken');
      }
      if (result === 'idle') {
        // A silent upstream (a model thinking): an SSE comment keeps every hop's idle timer fed.
        controller.enqueue(KEEP_ALIVE);
        return;
      }
      this.pendingRead = null;
      if (result.done) return this.end(controller, this.sawDone ? 'done' : 'upstream_broken');
      const out = this.take(result.value);
      if (out) controller.enqueue(this.encoder.encode(out));
      if (this.sawDone) {
        this.reader.cancel().catch(() => {});
        return this.end(controller, 'done');
      }
      if (out) return;
    }
  }

  private async end(controller: ReadableStreamDefaultController<Uint8Array>, end: StreamEnd): Promise<void> {
    if (this.finishing) return; // the client is gone; nothing more to send
    const { cost, usage } = await this.finish(end);
    let out = '';
    if (end === 'done') {
      if (this.options.clientWantsUsage) out += `data: ${JSON.stringify(this.usageChunk(usage, cost))}\n\n`;
      out += 'data: [DONE]\n\n';
    } else {
      const error = { message: 'The upstream stream ended unexpectedly.', type: 'api_error', param: null, code: 'upstream_error' };
      out += `data: ${JSON.stringify({ error })}\n\n`;
    }
    controller.enqueue(this.encoder.encode(out));
    controller.close();
  }

  /**
   * The final usage chunk: the upstream's own with `cost` added, or, when the upstream reported
   * none, one of ours carrying the counted usage (marked `estimated`) so the client still learns
   * what it paid.
   */
  private usageChunk(usage: TokenUsage, cost: string | null): Record<string, unknown> {
    const cost_ = cost ?? undefined;
    if (this.usageEvent) {
      (this.usageEvent.usage as Record<string, unknown>).cost = cost_;
      return this.usageEvent;
    }
    const total = usage.promptTokens + usage.completionTokens;
    return {
      object: 'chat.completion.chunk',
      choices: [],
      usage: { prompt_tokens: usage.promptTokens, completion_tokens: usage.completionTokens, total_tokens: total, cost: cost_, estimated: true },
    };
  }

  /** Splits complete events out of the buffer; returns the text to forward now. */
  private take(bytes: Uint8Array): string {
    this.buffer += this.decoder.decode(bytes, { stream: true });
    if (this.buffer.includes('\r')) this.buffer = this.buffer.replace(/\r\n?/g, '\n');
    let out = '';
    let index: number;
    while (!this.sawDone && (index = this.buffer.indexOf('\n\n')) >= 0) {
      const event = this.buffer.slice(0, index);
      this.buffer = this.buffer.slice(index + 2);
      out += this.handleEvent(event);
    }
    return out;
  }

  private handleEvent(event: string): string {
    const data = eventData(event);
    if (data === null) return `${event}\n\n`;
    if (data === '[DONE]') {
      this.sawDone = true;
      return '';
    }
    if (GENERATED_TEXT.test(data)) {
      this.tally.contentChunks += 1;
      this.tally.firstContentAtMs ??= performance.now();
    }
    if (!USAGE_OBJECT.test(data)) return `${event}\n\n`;
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(data) as Record<string, unknown>;
    } catch {
      return `${event}\n\n`;
    }
    const usage = parsed.usage as { prompt_tokens?: unknown; completion_tokens?: unknown } | null;
    if (usage && typeof usage.prompt_tokens === 'number') {
      this.tally.usage = { promptTokens: usage.prompt_tokens, completionTokens: Number(usage.completion_tokens ?? 0) };
    }
    const choices = parsed.choices;
    if (Array.isArray(choices) && choices.length === 0) {
      this.usageEvent = parsed; // re-emitted with its cost after settlement, if asked for
      return '';
    }
    if (!this.options.clientWantsUsage) parsed.usage = null;
    return `data: ${JSON.stringify(parsed)}\n\n`;
  }
}

function eventData(event: string): string | null {
  let data: string | null = null;
  for (const line of event.split('\n')) {
    if (line.startsWith('data:')) {
      const value = line.slice(line.charCodeAt(5) === 32 ? 6 : 5);
      data = data === null ? value : `${data}\n${value}`;
    }
  }
  return data;
}

function withIdleTick<T>(promise: Promise<T>, ms: number): Promise<T | 'idle'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const tick = new Promise<'idle'>((resolve) => {
    timer = setTimeout(() => resolve('idle'), ms);
  });
  return Promise.race([promise, tick]).finally(() => clearTimeout(timer));
}
