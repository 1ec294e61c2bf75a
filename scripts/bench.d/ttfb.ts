// Time to first byte of a streamed chat completion, through each target in turn. Requests are
// sequential (one in flight at a time) and interleaved target by target, so that whatever the
// machine does meanwhile falls on all targets alike. Every stream is read to its end, so that
// inferport settles and charges it like any other.
// Usage: bun ttfb.ts COUNT OUT.json NAME=URL [NAME=URL …]   (the key for NAME in BENCH_KEY_<NAME>)
import { summarize } from './stats';

const WARMUP_REQUESTS = 20;
const [countArg, outPath, ...targetArgs] = process.argv.slice(2);
const count = Number(countArg);
if (!Number.isInteger(count) || count < 1 || !outPath || targetArgs.length === 0) {
  throw new Error('usage: bun ttfb.ts COUNT OUT.json NAME=URL [NAME=URL …]');
}
// Each inferport has its own key; the others ignore the header.
const targets = targetArgs.map((arg) => {
  const at = arg.indexOf('=');
  const name = arg.slice(0, at);
  const key = process.env[`BENCH_KEY_${name.toUpperCase()}`] || 'none';
  return { name, url: `${arg.slice(at + 1)}/v1/chat/completions`, headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` } };
});
type Target = (typeof targets)[number];
const body = JSON.stringify({
  model: 'bench-model',
  messages: [{ role: 'user', content: 'Say hello.' }],
  max_tokens: 64,
  stream: true,
  stream_options: { include_usage: true },
});
const DONE = new TextEncoder().encode('data: [DONE]');

interface Sample {
  ttfbMs: number;
  totalMs: number;
  ok: boolean;
}

async function streamOnce(target: Target): Promise<Sample> {
  const startedAt = performance.now();
  const response = await fetch(target.url, { method: 'POST', headers: target.headers, body });
  const reader = response.body!.getReader();
  let chunk = await reader.read();
  const ttfbMs = performance.now() - startedAt;
  let last: Uint8Array = new Uint8Array(0);
  while (!chunk.done) {
    if (chunk.value.byteLength > 0) last = chunk.value;
    chunk = await reader.read();
  }
  const totalMs = performance.now() - startedAt;
  return { ttfbMs, totalMs, ok: response.status === 200 && endsWithDone(last) };
}

/** The last event is "data: [DONE]\n\n"; a stream cut short or ending in an error has no such end. */
function endsWithDone(bytes: Uint8Array): boolean {
  const start = bytes.byteLength - DONE.byteLength - 2;
  if (start < 0) return false;
  return DONE.every((byte, index) => bytes[start + index] === byte);
}

const samples = new Map(targets.map((target) => [target.name, [] as Sample[]]));
const warmupOk = new Map(targets.map((target) => [target.name, 0]));
for (let index = 0; index < WARMUP_REQUESTS; index++) {
  for (const target of targets) {
    if ((await streamOnce(target)).ok) warmupOk.set(target.name, warmupOk.get(target.name)! + 1);
  }
}
for (let index = 0; index < count; index++) {
  for (let turn = 0; turn < targets.length; turn++) {
    const target = targets[(index + turn) % targets.length]!;
    samples.get(target.name)!.push(await streamOnce(target));
  }
}

const result: Record<string, object> = {};
for (const target of targets) {
  const list = samples.get(target.name)!;
  const ok = list.filter((sample) => sample.ok);
  result[target.name] = {
    requests: list.length,
    ok: ok.length,
    failed: list.length - ok.length,
    warmup_requests: WARMUP_REQUESTS,
    warmup_ok: warmupOk.get(target.name)!,
    ttfb_ms: summarize(ok.map((sample) => sample.ttfbMs)),
    total_ms: summarize(ok.map((sample) => sample.totalMs)),
  };
}
await Bun.write(outPath, JSON.stringify(result, null, 2));
