// Acceptance: a second inferport started on a port that is already taken refuses to start,
// naming the port, and the first keeps serving. Elysia's listen asks Bun for SO_REUSEPORT
// unless told otherwise, which let two processes share the port and split its requests.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { cleanEnv, REPO_ROOT, startServerProcess, type ServerProcess } from '../support/server-process';

// These tests start OS processes; bun's 5 s default is too tight on a loaded machine.
setDefaultTimeout(30_000);

let database: TestDatabase;
let configDir: string;
let first: ServerProcess | undefined;

beforeAll(async () => {
  database = await createTestDatabase();
  configDir = mkdtempSync(join(tmpdir(), 'inferport-port-'));
});
afterAll(async () => {
  await first?.stop();
  await database?.drop();
  if (configDir) rmSync(configDir, { recursive: true, force: true });
});

function serverEnv(port: string): Record<string, string> {
  const env: Record<string, string> = { INFERPORT_PORT: port, INFERPORT_HOST: '127.0.0.1', INFERPORT_DATA_DIR: database.dataDir };
  if (database.url) env.DATABASE_URL = database.url;
  return env;
}

async function writeConfig(toml: string): Promise<string> {
  const path = join(configDir, `${crypto.randomUUID()}.toml`);
  await Bun.write(path, toml);
  return path;
}

/** Runs a second `inferport serve` until it exits or says it listens (then it is stopped). */
async function runSecond(port: string, configPath: string): Promise<{ code: number | null; output: string; listened: boolean }> {
  const child = Bun.spawn(['bun', 'src/index.ts', 'serve', '--config', configPath], {
    cwd: REPO_ROOT,
    env: cleanEnv(serverEnv(port)),
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  });
  let output = '';
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) output += decoder.decode(chunk, { stream: true });
  };
  const drained = Promise.all([collect(child.stdout), collect(child.stderr)]);
  const deadline = Date.now() + 20_000;
  while (child.exitCode === null && !output.includes('listening on') && Date.now() < deadline) await Bun.sleep(20);
  const listened = output.includes('listening on');
  if (child.exitCode === null) child.kill(15);
  const code = await child.exited;
  await drained;
  return { code: listened ? null : code, output, listened };
}

describe('a second inferport on a taken port', () => {
  let port: string;

  beforeAll(async () => {
    first = await startServerProcess(['bun', 'src/index.ts', 'serve', '--config', await writeConfig('')], { cwd: REPO_ROOT, env: serverEnv('0') });
    port = new URL(first.url).port;
  });

  test('exits non-zero with a message naming the port, and the first keeps serving', async () => {
    const second = await runSecond(port, await writeConfig(''));
    expect({ listened: second.listened, exitedWithError: second.code !== null && second.code !== 0 }).toEqual({ listened: false, exitedWithError: true });
    expect(second.output).toContain(`127.0.0.1:${port}`);
    expect(second.output).toContain('in use');
    expect(second.output).toContain('reuse_port');
    const response = await fetch(`${first!.url}/healthz`);
    expect(response.status).toBe(200);
  });

  test('with [server] reuse_port = true on both, the operator shares the port on purpose', async () => {
    const shared = await writeConfig('[server]\nreuse_port = true\n');
    await first!.stop();
    first = await startServerProcess(['bun', 'src/index.ts', 'serve', '--config', shared], { cwd: REPO_ROOT, env: serverEnv('0') });
    const second = await runSecond(new URL(first.url).port, shared);
    expect(second.listened).toBe(true);
  });
});
