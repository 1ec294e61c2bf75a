// An upstream that misbehaves on purpose, for the upstream fault tests: where the fake upstream
// plays a well-behaved inference server, this one answers every request with the fault it is set
// to: a connection reset mid-stream (a real TCP reset, from a raw socket), garbage in place of
// SSE, one 10 MB chunk, a stream that never ends, or a connection it accepts and never answers.
import type { Server, TCPSocketListener } from 'bun';

export type HostileMode = 'reset' | 'garbage' | 'huge' | 'endless' | 'silent';

export interface HostileUpstream {
  /** The HTTP server: garbage, huge and endless. */
  url: string;
  /** The raw socket: reset and silent. */
  rawUrl: string;
  setMode: (mode: HostileMode) => void;
  /** Content chunks sent in the current mode's streams, all requests together. */
  chunksSent: () => number;
  /** Connections accepted, all modes together. */
  accepted: () => number;
  stop: () => Promise<void>;
}

export const HUGE_CHUNK_BYTES = 10 * 1024 * 1024;
const encoder = new TextEncoder();
const chunkEvent = (content: string) => `data: ${JSON.stringify({ id: 'h', object: 'chat.completion.chunk', created: 0, model: 'fake-model', choices: [{ index: 0, delta: { content } }] })}\n\n`;
const usageEvent = (completionTokens: number) =>
  `data: ${JSON.stringify({ id: 'h', object: 'chat.completion.chunk', created: 0, model: 'fake-model', choices: [], usage: { prompt_tokens: 3, completion_tokens: completionTokens, total_tokens: 3 + completionTokens } })}\n\n`;
const SSE_HEADERS = 'HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n';
const chunked = (text: string) => `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`;

export function startHostileUpstream(): HostileUpstream {
  let mode: HostileMode = 'reset';
  let sent = 0;
  let accepted = 0;
  const open = new Set<{ end: () => void }>();

  // The raw socket: a reset is only a reset when no HTTP server cleans up after it.
  const raw: TCPSocketListener = Bun.listen({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      open: () => void (accepted += 1),
      data(socket) {
        if (mode === 'silent') return; // accepted, read, never answered
        socket.write(SSE_HEADERS + chunked(chunkEvent('one')) + chunked(chunkEvent('two')) + chunked(chunkEvent('three')));
        sent += 3;
        setTimeout(() => socket.terminate(), 50);
      },
    },
  });

  // The streaming faults, through Bun's server (a 10 MB write and a never-ending body need its flow control).
  const server: Server<undefined> = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    idleTimeout: 0,
    fetch: async (request) => {
      accepted += 1;
      await request.text();
      return new Response(bodyOf(mode, () => (sent += 1), open), { headers: { 'content-type': 'text/event-stream' } });
    },
  });

  return {
    url: `http://127.0.0.1:${server.port}`,
    rawUrl: `http://127.0.0.1:${raw.port}`,
    setMode: (next) => {
      mode = next;
      sent = 0;
    },
    chunksSent: () => sent,
    accepted: () => accepted,
    stop: async () => {
      for (const stream of open) stream.end();
      server.stop(true);
      raw.stop(true);
    },
  };
}

function bodyOf(mode: HostileMode, countChunk: () => void, open: Set<{ end: () => void }>): ReadableStream<Uint8Array> {
  if (mode === 'garbage') {
    // Not JSON, not SSE, bytes that are not UTF-8, a line with no end; then the connection closes.
    const garbage = ['data: {"choices": [{"delta": {"content": "unfinished\n\n', 'event: nonsense\nid: 7\n\n', 'data: not json at all\n\n', '\u0000\u00ff\u00fe binary\n\n'];
    const parts: Uint8Array[] = [...garbage.map((text) => encoder.encode(text)), new Uint8Array([0xff, 0xfe, 0x0a, 0x0a]), encoder.encode('data: {"half": ')];
    return new Response(Buffer.concat(parts)).body!;
  }
  if (mode === 'huge') {
    countChunk();
    return new Response(chunkEvent('x'.repeat(HUGE_CHUNK_BYTES)) + usageEvent(1) + 'data: [DONE]\n\n').body!;
  }
  // endless: a content chunk every 50 ms until the reader goes away.
  let timer: ReturnType<typeof setInterval> | undefined;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const handle = { end: () => clearInterval(timer) };
      open.add(handle);
      timer = setInterval(() => {
        try {
          controller.enqueue(encoder.encode(chunkEvent('more')));
          countChunk();
        } catch {
          handle.end();
        }
      }, 50);
    },
    cancel: () => clearInterval(timer),
  });
}
