// A fake media server (images, text to speech, speech to text) standing in for what needs a GPU.
// Its answers follow the real servers' source:
//   images   LocalAI core/http/endpoints/openai/image.go (ImageEndpoint): {id, created, data:[{b64_json}|{url}]},
//            n images (default 1), PNG files, a URL under /generated-images/ unless b64_json is asked for.
//   speech   openedai-speech speech.py (generate_speech): the audio bytes, response_format mp3 by default,
//            content types audio/mpeg, audio/wav, "audio/pcm;rate=24000" …; 16-bit mono.
//   transcriptions  vLLM vllm/entrypoints/openai/speech_to_text/speech_to_text.py and protocol.py:
//            json {"text","usage":{"type":"duration","seconds":ceil(duration)}}, verbose_json with
//            "duration" as a string and no usage, text as plain text; srt and vtt refused (400).
// Speech files are shaped by test/support/fake-audio.ts. Deterministic: speech lasts `speechSecondsPerCharacter` × input characters ÷ speed; a WAV
// upload's duration is read from its header (any other file counts `uploadSeconds`).

import { AAC_RATE, adtsFile, flacFile, MP3_RATE, mp3File, oggOpusFile } from './fake-audio';

export interface FakeMediaBehavior {
  mode: 'ok' | 'error500' | 'error400' | 'unreadable';
  /** Images answered, whatever n asked (null: n). */
  images: number | null;
  /** Leave out the transcription's usage (an older server): the gateway must measure the file. */
  omitUsage: boolean;
  speechSecondsPerCharacter: number;
  uploadSeconds: number;
  /** Waits this long before answering (a client can leave meanwhile). */
  delayMs: number;
}

export interface RecordedMediaRequest { path: string; contentType: string; json: any; form: Record<string, string | { name: string; size: number }> | null }

export interface FakeMediaUpstream {
  url: string;
  requests: RecordedMediaRequest[];
  setBehavior(b: Partial<FakeMediaBehavior>): void;
  reset(): void;
  stop(): Promise<void>;
}

const DEFAULTS: FakeMediaBehavior = { mode: 'ok', images: null, omitUsage: false, speechSecondsPerCharacter: 0.1, uploadSeconds: 7, delayMs: 0 };
/** The smallest valid PNG (1×1, transparent): the fake's every image. */
export const FAKE_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const SPEECH_RATE = 24_000;

export function startFakeMediaUpstream(): FakeMediaUpstream {
  let behavior: FakeMediaBehavior = { ...DEFAULTS };
  const requests: RecordedMediaRequest[] = [];

  async function handle(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname;
    const contentType = request.headers.get('content-type') ?? '';
    const form = contentType.startsWith('multipart/form-data') ? ((await request.formData()) as unknown as FormData) : null;
    const json = form ? null : await request.json().catch(() => null);
    requests.push({ path, contentType, json, form: form ? describeForm(form) : null });
    if (behavior.delayMs > 0) await Bun.sleep(behavior.delayMs);
    if (behavior.mode === 'error500') return openAiError(500, 'The fake media server failed on purpose.');
    if (behavior.mode === 'error400') return openAiError(400, 'The fake media server rejected the request on purpose.');
    if (behavior.mode === 'unreadable') return new Response('{"data": [', { headers: { 'content-type': 'application/json' } });
    if (path === '/v1/images/generations') return images(json);
    if (path === '/v1/audio/speech') return speech(json);
    if (path === '/v1/audio/transcriptions' && form) return transcription(form);
    return openAiError(404, `No route ${path}.`);
  }

  function images(body: any): Response {
    const count = behavior.images ?? body?.n ?? 1;
    const data = Array.from({ length: count }, (_, index) =>
      body?.response_format === 'b64_json' ? { b64_json: FAKE_PNG.toString('base64') } : { url: `http://fake-media.invalid/generated-images/b64${index}.png` },
    );
    return Response.json({ id: crypto.randomUUID(), created: Math.floor(Date.now() / 1000), data });
  }

  function speech(body: any): Response {
    const format = body?.response_format ?? 'mp3';
    const seconds = ([...String(body?.input ?? '')].length * behavior.speechSecondsPerCharacter) / (body?.speed ?? 1);
    const pcm = new Uint8Array(Math.round(seconds * SPEECH_RATE) * 2);
    if (format === 'pcm') return new Response(pcm, { headers: { 'content-type': `audio/pcm;rate=${SPEECH_RATE}` } });
    if (format === 'wav') return new Response(wavFile(pcm, SPEECH_RATE), { headers: { 'content-type': 'audio/wav' } });
    if (format === 'opus') return new Response(oggOpusFile(Math.round(seconds * 48_000)), { headers: { 'content-type': 'audio/ogg;codec=opus' } });
    if (format === 'aac') return new Response(adtsFile(Math.round((seconds * AAC_RATE) / 1024)), { headers: { 'content-type': 'audio/aac' } });
    // ffmpeg writing FLAC to a pipe cannot go back to write the total: the gateway must estimate.
    if (format === 'flac') return new Response(flacFile(0), { headers: { 'content-type': 'audio/x-flac' } });
    return new Response(mp3File(Math.round((seconds * MP3_RATE) / 576)), { headers: { 'content-type': 'audio/mpeg' } });
  }

  async function transcription(form: FormData): Promise<Response> {
    const format = String(form.get('response_format') ?? 'json');
    if (!['json', 'text', 'verbose_json'].includes(format)) return openAiError(400, 'Currently only support response_format: `text`, `json` or `verbose_json`');
    const file = form.get('file');
    const seconds = file instanceof Blob ? (wavSeconds(new Uint8Array(await file.arrayBuffer())) ?? behavior.uploadSeconds) : behavior.uploadSeconds;
    const text = 'the fake transcript';
    if (format === 'text') return new Response(text, { headers: { 'content-type': 'text/plain; charset=utf-8' } });
    if (format === 'verbose_json') return Response.json({ text, language: 'en', duration: String(seconds), segments: [] });
    return Response.json(behavior.omitUsage ? { text } : { text, usage: { type: 'duration', seconds: Math.ceil(seconds) } });
  }

  const server = Bun.serve({ hostname: '127.0.0.1', port: 0, maxRequestBodySize: 64 * 1024 * 1024, fetch: handle });
  return {
    url: `http://127.0.0.1:${server.port}`,
    requests,
    setBehavior: (b) => { behavior = { ...DEFAULTS, ...b }; },
    reset: () => {
      behavior = { ...DEFAULTS };
      requests.length = 0;
    },
    stop: () => server.stop(true),
  };
}

/** A 16-bit mono WAV file of `pcm` at `rate` (the 44-byte header every WAV writer starts with). */
export function wavFile(pcm: Uint8Array, rate: number): Uint8Array {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + pcm.byteLength, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28); // byte rate
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(pcm.byteLength, 40);
  return Buffer.concat([header, pcm]);
}

/** The fake's own reading of a WAV upload (the canonical 44-byte header only). */
function wavSeconds(bytes: Uint8Array): number | null {
  const buffer = Buffer.from(bytes);
  if (buffer.byteLength < 44 || buffer.toString('ascii', 0, 4) !== 'RIFF') return null;
  return buffer.readUInt32LE(40) / buffer.readUInt32LE(28);
}

function describeForm(form: FormData): Record<string, string | { name: string; size: number }> {
  const out: Record<string, string | { name: string; size: number }> = {};
  for (const [name, value] of form.entries()) out[name] = typeof value === 'string' ? value : { name: (value as File).name, size: (value as File).size };
  return out;
}

function openAiError(status: number, message: string): Response {
  return Response.json({ error: { message, type: status < 500 ? 'invalid_request_error' : 'server_error', param: null, code: null } }, { status });
}
