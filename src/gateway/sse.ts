// Relays an upstream SSE stream to the client event by event, without buffering beyond one
// event. It watches for usage and takes it off the upstream's chunks (older vLLM and llama.cpp
// put it on the finish chunk, some servers on every chunk): the client that asked for usage gets
// it once, in a final usage chunk with `cost`. `[DONE]` is held back until the charge is
// settled, so a client that saw the end of its stream was billed durably. An upstream's error
// event ends the stream as a failure: the client gets it as OpenAI's error event, no `[DONE]`.
import { errorBody } from '../errors';
import type { Settled, StreamEnd, StreamTally } from './stream-tally';
import { StreamWatch } from './stream-watch';
import { openAiErrorOf, type UpstreamError } from './upstream-errors';

export interface RelayOptions {
  upstream: ReadableStream<Uint8Array>;
  endpoint: string;
  clientWantsUsage: boolean;
  keepAliveMs: number;
  /** Settles the request. Called exactly once. */
  finish: (end: StreamEnd, tally: StreamTally) => Promise<Settled>;
  /** Stops the upstream request (the client went away). */
  abortUpstream: () => void;
}

type ReadResult = { done: true; value?: undefined } | { done: false; value: Uint8Array };

const KEEP_ALIVE = new TextEncoder().encode(': keep-alive\n\n');
const BROKEN: UpstreamError = { status: 502, message: 'The upstream stream ended unexpectedly.', param: null };

export class SseRelay {
  readonly stream: ReadableStream<Uint8Array>;
  private readonly reader: { read(): Promise<ReadResult>; cancel(reason?: unknown): Promise<void> };
  private readonly encoder = new TextEncoder();
  private pendingRead: Promise<ReadResult> | null = null;
  private readonly watch: StreamWatch;
  private finishing: Promise<Settled> | null = null;

  constructor(private readonly options: RelayOptions) {
    this.reader = options.upstream.getReader() as unknown as SseRelay['reader'];
    this.watch = new StreamWatch(options.endpoint);
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
    this.finishing ??= this.options.finish(end, this.watch.tally);
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
      if (result.done) return this.end(controller, this.watch.sawDone ? 'done' : 'upstream_broken');
      const out = this.watch.takeBytes(result.value);
      if (out) controller.enqueue(out);
      if (this.watch.ended) {
        this.reader.cancel().catch(() => {});
        return this.end(controller, this.watch.sawDone ? 'done' : 'upstream_error');
      }
      if (out) return;
    }
  }

  private async end(controller: ReadableStreamDefaultController<Uint8Array>, end: StreamEnd): Promise<void> {
    if (this.finishing) return; // the client is gone; nothing more to send
    const settled = await this.finish(end);
    let out = '';
    if (end === 'done' && !settled.unbilled) {
      if (this.options.clientWantsUsage) out += `data: ${JSON.stringify(this.watch.usageChunk(settled))}\n\n`;
      out += 'data: [DONE]\n\n';
    } else {
      // No [DONE] after an error: a client reading raw SSE must not take the stream as complete.
      const error = settled.unbilled ? errorBody(settled.unbilled) : openAiErrorOf(this.watch.tally.upstreamError ?? BROKEN);
      out += `data: ${JSON.stringify(error)}\n\n`;
    }
    controller.enqueue(this.encoder.encode(out));
    controller.close();
  }

}

function withIdleTick<T>(promise: Promise<T>, ms: number): Promise<T | 'idle'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const tick = new Promise<'idle'>((resolve) => {
    timer = setTimeout(() => resolve('idle'), ms);
  });
  return Promise.race([promise, tick]).finally(() => clearTimeout(timer));
}
