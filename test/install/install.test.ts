// Acceptance: install.sh on this machine, into a temporary prefix (no systemd here: the server
// runs in the background). It installs and serves; a request through the installed binary is
// billed; a run again is an upgrade of the running install to a binary one migration newer,
// with a stream in flight, and no charge is lost; --uninstall keeps the data, --purge removes it.
// On Postgres runs the install uses the test database (--database URL), on SQLite the embedded one.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type DbHandle } from '../../src/db';
import { ledgerProblems } from '../support/audit';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { buildBinaries, commitBeforeNewestMigration, fakeSystemCommands, freePort, modeOf, runInstall, type Binaries, type InstallRun } from './support';

setDefaultTimeout(60_000);

const history = commitBeforeNewestMigration();
if (!history.commit) console.warn('install test skipped: no git history before the newest migration (a shallow clone?)');

let scratch: string;
let prefix: string;
let fakeBin: string;
let systemLog: string;
let binaries: Binaries;
let database: TestDatabase;
let fake: FakeUpstream;
let port: number;
let url: string;
let token: string;

const dataDir = () => join(prefix, 'var/lib/inferport');
const configFile = () => join(prefix, 'etc/inferport/inferport.toml');
const envFile = () => join(prefix, 'etc/inferport/inferport.env');

beforeAll(async () => {
  if (!history.commit) return;
  scratch = mkdtempSync(join(tmpdir(), 'inferport-install-'));
  prefix = join(scratch, 'prefix');
  systemLog = join(scratch, 'system-commands.log');
  fakeBin = fakeSystemCommands(scratch, systemLog);
  database = await createTestDatabase();
  fake = startFakeUpstream();
  port = freePort();
  url = `http://127.0.0.1:${port}`;
  binaries = await buildBinaries(scratch, history.commit, history.newestMigration);
});

afterAll(async () => {
  if (!history.commit) return;
  // Whatever failed, no server of this test outlives it.
  await runInstall(['--prefix', prefix, '--uninstall', '--purge'], { fakeBin }).catch(() => {});
  await fake?.stop();
  await database?.drop();
  rmSync(scratch, { recursive: true, force: true });
});

function install(args: string[], binary?: string): Promise<InstallRun> {
  return runInstall(['--prefix', prefix, ...args], { binary, fakeBin });
}

async function admin(method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

async function chat(key: string, stream: boolean): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'fake-model', messages: [{ role: 'user', content: 'hello' }], max_tokens: 64, stream }),
  });
}

async function healthy(): Promise<boolean> {
  try {
    return (await fetch(`${url}/healthz`)).status === 200;
  } catch {
    return false;
  }
}

function expectSucceeded(run: InstallRun): void {
  expect({ code: run.code, output: run.output }).toEqual({ code: 0, output: expect.any(String) });
}

// 0.001 credit per output token: a charge counts the tokens billed.
const OPERATOR_CONFIG = (upstreamUrl: string) =>
  `\n[[upstreams]]\nname = "fake"\nurl = "${upstreamUrl}"\nmodels = ["fake-model"]\n\n[prices.default]\ninput_per_million = 0\noutput_per_million = 1000\n\n[wallet]\ntrial_credits = 0\n`;

describe.skipIf(!history.commit)('install.sh into a temporary prefix', () => {
  let accountId: string;
  let key: string;
  let ledgerBefore: unknown;

  test('installs, migrates, starts in the background and serves /healthz; the data is private', async () => {
    const databaseArgs = database.url ? ['--database', database.url] : ['--database', 'embedded'];
    const run = await install([...databaseArgs, '--redis', 'none', '--port', String(port), '--background'], binaries.old);
    expectSucceeded(run);
    expect(run.token).toMatch(/^[0-9a-f]{64}$/);
    token = run.token!;
    expect(run.output).toContain(`:${port}`);
    expect(run.output).toContain('Next steps');
    expect(run.migrated?.applied).toContain(1);
    expect(run.migrated?.applied).not.toContain(binaries.newestMigration);
    expect(await healthy()).toBe(true);

    expect(await modeOf(dataDir())).toBe('700');
    expect(await modeOf(envFile())).toBe('600');
    if (!database.url) expect(await modeOf(join(dataDir(), 'inferport.sqlite'))).toBe('600');
    const env = readFileSync(envFile(), 'utf8');
    expect(env.includes(`DATABASE_URL=${database.url}`)).toBe(database.url !== null);
  });

  test('a run again with the operator’s upstream in the config keeps config and token, restarts, and bills a request', async () => {
    await Bun.write(configFile(), readFileSync(configFile(), 'utf8') + OPERATOR_CONFIG(fake.url));
    const config = readFileSync(configFile(), 'utf8');
    const run = await install([], binaries.old);
    expectSucceeded(run);
    expect(run.token).toBe(token);
    expect(run.migrated?.applied).toEqual([]);
    expect(readFileSync(configFile(), 'utf8')).toBe(config);

    accountId = (await admin('POST', '/admin/accounts', { name: 'install test' })).id;
    await admin('POST', `/admin/accounts/${accountId}/credits`, { amount: '10', kind: 'paid' });
    key = (await admin('POST', `/admin/accounts/${accountId}/keys`, { billing: 'credits' })).key;
    fake.setBehavior({ chunks: 5 });
    const response = await chat(key, false);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { usage: unknown }).usage).toMatchObject({ completion_tokens: 5, cost: '0.005000' });
    expect((await admin('GET', `/admin/accounts/${accountId}/wallet`)).balance).toBe('9.995000');
    ledgerBefore = await admin('GET', `/admin/accounts/${accountId}/ledger`);
  });

  test('upgrading the running install across a migration, with a stream in flight, loses no charge', async () => {
    fake.setBehavior({ chunks: 15, chunkDelayMs: 100 });
    const streamed = await chat(key, true);
    expect(streamed.status).toBe(200);
    const reader = streamed.body!.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    // The upgrade starts while the old server is still streaming: its SIGTERM must drain the stream.
    const [run, rest] = await Promise.all([install([], binaries.current), new Response(new ReadableStream({ pull: async (controller) => {
      const chunk = await reader.read();
      if (chunk.done) controller.close();
      else controller.enqueue(chunk.value);
    } })).text()]);
    expectSucceeded(run);
    expect(run.output).toContain('stopping inferport (pid');
    const text = new TextDecoder().decode(first.value) + rest;
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(text.match(/tok\d+/g)?.length).toBe(15);

    expect(run.token).toBe(token);
    expect(run.migrated?.applied).toContain(binaries.newestMigration);
    expect(await healthy()).toBe(true);
    // The charge before the upgrade is still there, and the stream's charge joined it.
    expect((await admin('GET', `/admin/accounts/${accountId}/wallet`)).balance).toBe('9.980000');
    const ledgerAfter = await admin('GET', `/admin/accounts/${accountId}/ledger`);
    expect(ledgerAfter.data.slice(1)).toEqual((ledgerBefore as { data: unknown[] }).data);
    fake.setBehavior({ chunks: 5 });
    const response = await chat(key, false);
    expect(((await response.json()) as { usage: unknown }).usage).toMatchObject({ cost: '0.005000' });
    expect((await admin('GET', `/admin/accounts/${accountId}/wallet`)).balance).toBe('9.975000');
  });

  test('--uninstall stops it and removes the binary; the data and token stay, and the books balance', async () => {
    const run = await install(['--uninstall']);
    expectSucceeded(run);
    expect(await healthy()).toBe(false);
    expect(existsSync(join(prefix, 'bin/inferport'))).toBe(false);
    expect(readFileSync(envFile(), 'utf8')).toContain(`INFERPORT_ADMIN_TOKEN=${token}`);

    const handle: DbHandle = openDatabase({ url: database.url, dataDir: dataDir() });
    try {
      const records = await handle.db.selectFrom('usage_records').select(['outcome', 'completion_tokens', 'cost_micros', 'charge_status']).where('account_id', '=', accountId).orderBy('created_at_ms').execute();
      expect(records.map((row) => [row.outcome, Number(row.completion_tokens), BigInt(row.cost_micros), row.charge_status])).toEqual([
        ['ok', 5, 5000n, 'posted'],
        ['ok', 15, 15000n, 'posted'],
        ['ok', 5, 5000n, 'posted'],
      ]);
      const openLeases = await handle.db.selectFrom('leases').select('id').where('account_id', '=', accountId).where('status', '=', 'open').execute();
      expect(openLeases).toEqual([]);
      expect(await ledgerProblems(handle.db)).toEqual([]);
    } finally {
      await handle.close();
    }
  });

  test('--uninstall --purge removes config, token and data; it never ran apt-get, useradd or systemctl', async () => {
    const run = await install(['--uninstall', '--purge']);
    expectSucceeded(run);
    expect(existsSync(join(prefix, 'etc/inferport'))).toBe(false);
    expect(existsSync(dataDir())).toBe(false);
    expect(existsSync(join(prefix, 'var/log/inferport'))).toBe(false);
    // Embedded, Redis none, no systemd: nothing outside the prefix was asked for.
    expect(existsSync(systemLog) ? readFileSync(systemLog, 'utf8') : '').toBe('');
  });
});
