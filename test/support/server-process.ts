// Runs inferport as a real OS process for the tests that need one (crash recovery, the compiled
// binary, the CLI): a clean environment, a free port chosen by the OS, and the URL it prints.
import type { Subprocess } from 'bun';
import { join } from 'node:path';

export const REPO_ROOT = join(import.meta.dir, '../..');
const START_TIMEOUT_MS = 20_000;

export interface ServerProcess {
  url: string;
  child: Subprocess<'ignore', 'pipe', 'pipe'>;
  /** Everything the process printed so far, for failure messages. */
  output: () => string;
  /** SIGKILL, as a crash or power cut would: no shutdown hook runs. */
  crash: () => Promise<void>;
  /** SIGTERM, then SIGKILL if it does not exit within five seconds. */
  stop: () => Promise<void>;
}

/**
 * A minimal environment for a child inferport: PATH and HOME only, so that nothing from the
 * developer's shell (DATABASE_URL, INFERPORT_CONFIG, …) leaks in.
 */
export function cleanEnv(extra: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...extra };
}

/** Starts `command` (which must run `inferport serve`) and waits for its "listening on URL" line. */
export async function startServerProcess(command: string[], options: { cwd: string; env: Record<string, string> }): Promise<ServerProcess> {
  const env = { INFERPORT_PORT: '0', INFERPORT_HOST: '127.0.0.1', ...options.env };
  const child = Bun.spawn(command, { cwd: options.cwd, env: cleanEnv(env), stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' });
  let printed = '';
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) printed += decoder.decode(chunk, { stream: true });
  };
  const drained = Promise.all([collect(child.stdout), collect(child.stderr)]);
  const kill = async (signal: number) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await child.exited;
  };
  const server = {
    child,
    output: () => printed,
    crash: () => kill(9),
    stop: async () => {
      const timer = setTimeout(() => child.kill(9), 5000);
      await kill(15);
      clearTimeout(timer);
      await drained;
    },
  };

  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const match = /listening on (http:\/\/\S+)/.exec(printed);
    if (match) return { ...server, url: match[1]! };
    if (child.exitCode !== null) throw new Error(`inferport exited with ${child.exitCode} before listening:\n${printed}`);
    await Bun.sleep(20);
  }
  await server.crash();
  throw new Error(`inferport did not listen within ${START_TIMEOUT_MS} ms:\n${printed}`);
}
