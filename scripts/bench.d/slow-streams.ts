// The slow-stream load: COUNT streamed chat completions of the upstream's slow model (a chunk every
// 20 ms, as a real model writes), all opened at once through one target and read to their end.
// Records each stream's time to first byte and every gap between two reads of its body; counts
// how many streams were open (first byte received, end not yet) at the same moment, which must
// reach COUNT: Bun keeps at most BUN_CONFIG_MAX_HTTP_REQUESTS fetches in flight per process (256
// unless raised), in this client and in the proxy alike, and a lower count means the load queued.
// Usage: BENCH_KEY=… bun slow-streams.ts COUNT CHUNKS OUT.json URL
import { round, summarize } from './stats';

const [countArg, chunksArg, outPath, baseUrl] = process.argv.slice(2);
const count = Number(countArg);
const chunks = Number(chunksArg);
if (!Number.isInteger(count) || count < 1 || !Number.isInteger(chunks) || chunks < 1 || !outPath || !baseUrl) {
  throw new Error('usage: BENCH_KEY=… bun slow-streams.ts COUNT CHUNKS OUT.json URL');
}
// Bun reads the limit once, at start: it must already be in this process's environment.
const fetchLimit = Number(process.env.BUN_CONFIG_MAX_HTTP_REQUESTS ?? 256);
if (!(fetchLimit > count)) throw new Error(`BUN_CONFIG_MAX_HTTP_REQUESTS=${fetchLimit} cannot carry ${count} streams at once`);
const body = JSON.stringify({
  model: 'bench-slow',
  messages: [{ role: 'user', content: 'Tell a long story.' }],
  max_tokens: chunks + 16,
  stream: true,
  stream_options: { include_usage: true },
});
const headers = { 'content-type': 'application/json', authorization: `Bearer ${process.env.BENCH_KEY ?? ''}` };
const DONE = new TextEncoder().encode('data: [DONE]\n\n');

interface StreamResult {
  ok: boolean;
  ttfbMs: number;
  gapsMs: number[];
  chunks: number;
}

// Each of the upstream's writes carries exactly one content delta "tok " (the end rides on the
// last one), so counting the marker counts chunks however the reads split or join them.
const MARKER = new TextEncoder().encode('tok ');
let open = 0;
let maxOpen = 0;

async function streamOnce(startedAt: number): Promise<StreamResult> {
  const result: StreamResult = { ok: false, ttfbMs: Number.NaN, gapsMs: [], chunks: 0 };
  let counted = false;
  try {
    const response = await fetch(`${baseUrl}/v1/chat/completions`, { method: 'POST', headers, body });
    const reader = response.body!.getReader();
    let last = startedAt;
    let matched = 0;
    let tail: Uint8Array = new Uint8Array(0);
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      const now = performance.now();
      if (read.value.byteLength === 0) continue;
      if (!counted) {
        counted = true;
        result.ttfbMs = now - startedAt;
        maxOpen = Math.max(maxOpen, ++open);
      }
      let arrived = 0;
      for (const byte of read.value) {
        matched = byte === MARKER[matched] ? matched + 1 : byte === MARKER[0] ? 1 : 0;
        if (matched === MARKER.length) {
          arrived++;
          matched = 0;
        }
      }
      // The first chunk of a read waited since the last one; any others in it came with it.
      for (let index = 0; index < arrived; index++) {
        if (result.chunks + index > 0) result.gapsMs.push(index === 0 ? now - last : 0);
      }
      if (arrived > 0) last = now;
      result.chunks += arrived;
      tail = lastBytes(tail, read.value, DONE.byteLength);
    }
    // Every chunk, and [DONE] at the end: a stream cut short has fewer, or another end.
    result.ok = response.status === 200 && result.chunks === chunks && endsWith(tail, DONE);
  } catch {
    result.ok = false;
  } finally {
    if (counted) open--;
  }
  return result;
}

/** The last `length` bytes of `before` followed by `bytes`: [DONE] may straddle two reads. */
function lastBytes(before: Uint8Array, bytes: Uint8Array, length: number): Uint8Array {
  if (bytes.byteLength >= length) return bytes.subarray(bytes.byteLength - length);
  const joined = new Uint8Array(before.byteLength + bytes.byteLength);
  joined.set(before);
  joined.set(bytes, before.byteLength);
  return joined.subarray(Math.max(0, joined.byteLength - length));
}

function endsWith(bytes: Uint8Array, end: Uint8Array): boolean {
  const start = bytes.byteLength - end.byteLength;
  return start >= 0 && end.every((byte, index) => bytes[start + index] === byte);
}

/** The largest value (NaN for none); a loop, since 100,000 gaps are too many arguments to spread. */
function largest(values: number[]): number {
  let max = Number.NaN;
  for (const value of values) if (!(value <= max)) max = value;
  return max;
}

const startedAt = performance.now();
// Every fetch starts in this one synchronous loop: all COUNT open at once.
const results = await Promise.all(Array.from({ length: count }, () => streamOnce(startedAt)));
const seconds = (performance.now() - startedAt) / 1000;
const ok = results.filter((result) => result.ok);
const gaps = ok.flatMap((result) => result.gapsMs);
const report = {
  streams: count,
  chunks_per_stream: chunks,
  ok: ok.length,
  failed: count - ok.length,
  max_open_at_once: maxOpen,
  all_open_at_once: maxOpen === count,
  seconds: Math.round(seconds * 1000) / 1000,
  ttfb_ms: summarize(ok.map((result) => result.ttfbMs)),
  gap_ms: { ...summarize(gaps), max: round(largest(gaps)) },
  // The worst gap of each stream, summarised: how many streams stalled, not only how long one did.
  stream_max_gap_ms: summarize(ok.map((result) => largest(result.gapsMs))),
};
await Bun.write(outPath, JSON.stringify(report, null, 2));
console.log(`${report.ok}/${count} streams ok, ${maxOpen} open at once, TTFB p50 ${report.ttfb_ms.p50} ms, gap p99 ${report.gap_ms.p99} ms, max ${report.gap_ms.max} ms`);
