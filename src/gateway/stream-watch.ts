// What the relay learns from the upstream's events as they pass: usage (taken off the chunks
// that carry it, to be sent once at the end), generated output (counted, for when no usable
// usage comes), the end marker, and an error event that ends the stream as a failure.
import { chunkHead, eventData, readEvent } from './sse-events';
import type { Settled, StreamTally } from './stream-tally';
import { usageForClient } from './usage';

const encoder = new TextEncoder();

export class StreamWatch {
  readonly tally: StreamTally = { usage: null, usageProblem: null, contentChunks: 0, firstContentAtMs: null, upstreamError: null };
  sawDone = false;
  private readonly decoder = new TextDecoder();
  private buffer = '';
  /** The upstream's usage object as sent, and its chunks' id/model/created, for the final chunk. */
  private upstreamUsage: unknown = null;
  private head: Record<string, unknown> | null = null;
  /** The bytes so far end on a whole character: the decoder holds none back. */
  private decoderEmpty = true;
  private started = false;
  /** Something taken since the last takeBytes was forwarded other than as it came. */
  private altered = false;

  constructor(private readonly endpoint: string) {}

  /** True once [DONE] or an error event was seen: nothing after it is relayed. */
  get ended(): boolean {
    return this.sawDone || this.tally.upstreamError !== null;
  }

  /** Splits complete events out of the buffer; returns the text to forward now. */
  take(bytes: Uint8Array): string {
    // A byte order mark opens the text, and the decoder drops it.
    if (!this.started && bytes[0] === 0xef) this.altered = true;
    this.started = true;
    this.buffer += this.decoder.decode(bytes, { stream: true });
    if (bytes.length > 0) this.decoderEmpty = bytes[bytes.length - 1]! < 0x80;
    if (this.buffer.includes('\r')) {
      this.buffer = this.buffer.replace(/\r\n?/g, '\n');
      this.altered = true;
    }
    const buffer = this.buffer;
    let out = '';
    let from = 0;
    let index: number;
    while (!this.ended && (index = buffer.indexOf('\n\n', from)) >= 0) {
      out += this.handleEvent(buffer.slice(from, index));
      from = index + 2;
    }
    this.buffer = buffer.slice(from);
    return out;
  }

  /**
   * The bytes to forward now, or null for none. When `bytes` hold whole events that all pass as
   * they came (most chunks), they are forwarded themselves: nothing is encoded again.
   */
  takeBytes(bytes: Uint8Array): Uint8Array | null {
    const fresh = this.buffer === '' && this.decoderEmpty;
    this.altered = false;
    const out = this.take(bytes);
    if (out === '') return null;
    if (fresh && !this.altered && this.buffer === '' && this.decoderEmpty) return bytes;
    return encoder.encode(out);
  }

  private handleEvent(event: string): string {
    const data = eventData(event);
    if (data === null) return `${event}\n\n`;
    const read = readEvent(event, data);
    if (read.kind === 'done') {
      this.sawDone = true;
      return this.withheld();
    }
    if (read.kind === 'error') {
      this.tally.upstreamError = read.error;
      return this.withheld();
    }
    if (read.content) {
      this.tally.contentChunks += 1;
      this.tally.firstContentAtMs ??= performance.now();
    }
    if (read.kind === 'other') return `${event}\n\n`;
    const { chunk, reading } = read;
    this.head ??= chunkHead(chunk);
    if (reading.kind === 'reported') {
      this.tally.usage = reading.usage;
      this.upstreamUsage = chunk.usage;
    } else if (reading.kind === 'invalid') {
      this.tally.usageProblem = reading.problem;
    }
    // A usage-only chunk is withheld, and usage is cleared from chunks with choices: the client
    // gets it once, in the final chunk.
    this.altered = true;
    if (Array.isArray(chunk.choices) && chunk.choices.length === 0) return '';
    chunk.usage = null;
    return `data: ${JSON.stringify(chunk)}\n\n`;
  }

  private withheld(): string {
    this.altered = true;
    return '';
  }

  /** The one final usage chunk: the upstream's usage with `cost`, or the counted usage marked `estimated`. */
  usageChunk(settled: Settled): Record<string, unknown> {
    const head = this.head ?? { object: this.endpoint === 'completions' ? 'text_completion' : 'chat.completion.chunk' };
    return { ...head, choices: [], usage: usageForClient(this.endpoint, this.upstreamUsage, settled, settled.cost) };
  }
}
