// A Redis of the test's own, on a free port, that the test may kill and start again: for the
// behaviour of inferport while its Redis is down. Nothing is saved to disk (--save '').
import type { Subprocess } from 'bun';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface OwnRedis {
  url: string;
  /** SIGKILL: Redis vanishes as in a crash, its data with it. */
  kill: () => Promise<void>;
  /** Starts it again on the same port (empty, its script cache too). */
  start: () => Promise<void>;
  stop: () => Promise<void>;
}

const READY_TIMEOUT_MS = 10_000;

export async function startOwnRedis(): Promise<OwnRedis> {
  const port = freePort();
  const dir = mkdtempSync(join(tmpdir(), 'inferport-redis-'));
  let child: Subprocess<'ignore', 'pipe', 'pipe'> | null = null;
  const start = async () => {
    child = Bun.spawn(['redis-server', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' });
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!(await answersPing(port))) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`redis-server did not start on port ${port}: ${await new Response(child.stdout).text()}`);
      await Bun.sleep(20);
    }
  };
  const kill = async () => {
    if (!child) return;
    child.kill(9);
    await child.exited;
    child = null;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    kill,
    start,
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A port nothing listens on: the OS picks one, and it is closed again at once. */
export function freePort(): number {
  const listener = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
  const { port } = listener;
  listener.stop(true);
  return port;
}

async function answersPing(port: number): Promise<boolean> {
  try {
    const reply = await new Promise<string>((resolve, reject) => {
      let text = '';
      Bun.connect({
        hostname: '127.0.0.1',
        port,
        socket: {
          open: (socket) => void socket.write('PING\r\n'),
          data: (socket, data) => {
            text += data.toString();
            if (text.includes('\r\n')) {
              socket.end();
              resolve(text);
            }
          },
          error: (_socket, error) => reject(error),
          connectError: (_socket, error) => reject(error),
          close: () => resolve(text),
        },
      }).catch(reject);
    });
    return reply.startsWith('+PONG');
  } catch {
    return false;
  }
}
