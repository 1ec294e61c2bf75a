// Acceptance (issue 13, "a first request in minutes"): the README's walk-through, block by block
// as written, in a temporary HOME: install.sh into ~/inferport (no systemd here: foreground),
// the echo upstream, an account, credit and a key through the admin API, a chat completion with
// curl and a stream with the openai SDK (Node.js), and the charges in the console.
// Two things differ from a reader's shell, both outside the blocks: port 8080 becomes a free
// port (8080 may be taken on a shared machine), and install.sh gets a binary built once
// (INFERPORT_BINARY) instead of building it on each of its two runs.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_DB_KIND } from '../support/env';
import { build, fakeSystemCommands, freePort } from '../install/support';
import { cleanEnv, REPO_ROOT } from '../support/server-process';
import { readWalkthrough, runBash, type WalkthroughBlock } from './readme-blocks';

setDefaultTimeout(120_000);

const STEPS = ['install', 'upstream', 'start', 'account', 'curl', 'sdk', 'console'];

let scratch: string;
let home: string;
let workDir: string;
let env: Record<string, string>;
let port: number;
let blocks: WalkthroughBlock[];
let server: ReturnType<typeof Bun.spawn> | null = null;
let serverOutput = '';

const textOf = (name: string) => blocks.find((block) => block.name === name)!.text.replaceAll('8080', String(port));

beforeAll(async () => {
  if (TEST_DB_KIND === 'postgres') return;
  scratch = mkdtempSync(join(tmpdir(), 'inferport-walkthrough-'));
  home = join(scratch, 'home');
  workDir = join(scratch, 'work');
  mkdirSync(home);
  mkdirSync(workDir);
  // `npm install openai` in the reader's directory; the repository's copy here.
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(workDir, 'node_modules'));
  const binary = join(scratch, 'inferport');
  await build(REPO_ROOT, binary);
  const fakeBin = fakeSystemCommands(scratch, join(scratch, 'system-commands.log'));
  env = cleanEnv({ HOME: home, PATH: `${fakeBin}:${process.env.PATH ?? '/usr/bin:/bin'}`, INFERPORT_BINARY: binary });
  port = freePort();
  blocks = await readWalkthrough();
});

afterAll(async () => {
  if (TEST_DB_KIND === 'postgres') return;
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await server.exited;
  }
  await runBash(`./install.sh --prefix "$HOME/inferport" --uninstall --purge`, { cwd: REPO_ROOT, env }).catch(() => {});
  rmSync(scratch, { recursive: true, force: true });
});

// Embedded SQLite whichever database the suite runs on: once, on the SQLite run.
describe.skipIf(TEST_DB_KIND === 'postgres')('README: first request in minutes', () => {
  test('the README has the walk-through\'s steps, in order, on port 8080', () => {
    expect(blocks.map((block) => block.name)).toEqual(STEPS);
    expect(blocks.find((block) => block.name === 'install')!.text).toContain('--port 8080');
    expect(blocks.find((block) => block.name === 'account')!.text).toContain('http://127.0.0.1:8080');
  });

  test('install, and the echo upstream in the config', async () => {
    const run = await runBash(`${textOf('install')}\n${textOf('upstream')}`, { cwd: REPO_ROOT, env });
    expect({ code: run.code, output: run.output }).toEqual({ code: 0, output: expect.stringContaining('admin token:') });
    expect(await Bun.file(join(home, 'inferport/etc/inferport/inferport.toml')).text()).toContain('url = "echo:"');
  });

  test('start, in the foreground', async () => {
    server = Bun.spawn(['bash', '-euo', 'pipefail', '-c', textOf('start')], { cwd: REPO_ROOT, env, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' });
    const collect = async (stream: ReadableStream<Uint8Array>) => {
      for await (const chunk of stream) serverOutput += new TextDecoder().decode(chunk);
    };
    void collect(server.stdout as ReadableStream<Uint8Array>);
    void collect(server.stderr as ReadableStream<Uint8Array>);
    const deadline = Date.now() + 60_000;
    while (!serverOutput.includes('listening on') && Date.now() < deadline && server.exitCode === null) await Bun.sleep(50);
    expect(serverOutput).toContain(`listening on http://0.0.0.0:${port}`);
  });

  test('an account, a key, curl, the SDK and the console: each request charged', async () => {
    const script = ['account', 'curl', 'sdk', 'console'].map(textOf).join('\n');
    const run = await runBash(script, { cwd: workDir, env });
    expect({ code: run.code, output: run.output }).toEqual({ code: 0, output: expect.any(String) });
    const lines = run.output.split('\n');
    const json = (line: string) => JSON.parse(line);

    // curl: the echo reply, its words as usage, and the cost (6 tokens at 0.75 per million, rounded up).
    const curled = json(lines.find((line) => line.startsWith('{"reply"'))!);
    expect(curled).toEqual({ reply: 'Hello from curl', usage: expect.objectContaining({ prompt_tokens: 3, completion_tokens: 3, total_tokens: 6, cost: '0.000005' }) });
    // The SDK's stream, word by word.
    expect(lines).toContain('Hello from the SDK');
    // The console: the wallet (20 trial + 10 paid credits, less the charges) and the ledger's charges.
    const wallet = json(lines.find((line) => line.startsWith('{"object":"wallet"'))!);
    expect(BigInt(wallet.balance.replace('.', ''))).toBeLessThanOrEqual(29_999_995n);
    const entries = lines.filter((line) => line.startsWith('{"id"')).map(json);
    const charges = entries.filter((entry) => entry.kind === 'charge');
    expect(charges.map((charge) => charge.memo)).toContain('chat.completions echo');
    expect(charges.map((charge) => charge.amount)).toContain('0.000005'); // the curl request's
    expect(entries.filter((entry) => entry.kind === 'grant').map((grant) => grant.amount).sort()).toEqual(['10.000000', '20.000000']);

    // Both charges reach the wallet (the stream's settles in the meter's next batch).
    const token = (await Bun.file(join(home, 'inferport/etc/inferport/inferport.env')).text()).match(/^INFERPORT_ADMIN_TOKEN=(.+)$/m)![1]!;
    const accounts = await (await fetch(`http://127.0.0.1:${port}/admin/accounts`, { headers: { authorization: `Bearer ${token}` } })).json() as { data: { id: string }[] };
    const deadline = Date.now() + 5000;
    let balance = '';
    while (Date.now() < deadline) {
      balance = ((await (await fetch(`http://127.0.0.1:${port}/admin/accounts/${accounts.data[0]!.id}/wallet`, { headers: { authorization: `Bearer ${token}` } })).json()) as { balance: string }).balance;
      if (balance === '29.999989') break;
      await Bun.sleep(50);
    }
    expect(balance).toBe('29.999989'); // 30 − 0.000005 (curl) − 0.000006 (the SDK's 4 + 4 words)
  });
});
