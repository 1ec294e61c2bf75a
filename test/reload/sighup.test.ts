// SIGHUP to a real `bun src/index.ts serve`, with a stream in flight: the stream completes (its
// connection untouched, charged at the price it started with), the new price applies to the
// next request, and a bad config sent with a second SIGHUP is refused and the price kept.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import OpenAI from 'openai';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { ADMIN_TOKEN } from '../support/env';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { REPO_ROOT, startServerProcess, type ServerProcess } from '../support/server-process';
import { configToml, type ConfigFile } from './support';

setDefaultTimeout(60_000);

let database: TestDatabase;
let fake: FakeUpstream;
let server: ServerProcess;
let path: string;
let base: ConfigFile;

beforeAll(async () => {
  database = await createTestDatabase();
  fake = startFakeUpstream();
  path = join(database.dataDir, 'inferport.toml');
  base = { server: { data_dir: database.dataDir }, inputPerMillion: '1', outputPerMillion: '1', upstreams: [{ name: 'local', url: fake.url, models: ['fake-model'] }] };
  await Bun.write(path, configToml(base));
  const env: Record<string, string> = { INFERPORT_ADMIN_TOKEN: ADMIN_TOKEN, ...(database.url ? { DATABASE_URL: database.url } : {}) };
  server = await startServerProcess(['bun', 'src/index.ts', 'serve', '--config', path], { cwd: REPO_ROOT, env });
});
afterAll(async () => {
  await server?.stop();
  await fake?.stop();
  await database?.drop();
});

async function admin(method: string, route: string, body?: unknown): Promise<any> {
  const response = await fetch(`${server.url}${route}`, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${await response.text()}`);
  return response.json();
}

const toMicros = (credits: string): bigint => BigInt(credits.replace('.', ''));

/** Waits until the process has printed `text` `count` times. */
async function printed(text: string, count: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (server.output().split(text).length - 1 < count) {
    if (Date.now() > deadline) throw new Error(`no "${text}" in:\n${server.output()}`);
    await Bun.sleep(20);
  }
}

test('SIGHUP: a stream in flight completes, the next request pays the new price, a bad config is refused', async () => {
  const account = await admin('POST', '/admin/accounts', { name: 'sighup' });
  const { key } = await admin('POST', `/admin/accounts/${account.id}/keys`, { billing: 'credits' });
  await admin('POST', `/admin/accounts/${account.id}/credits`, { amount: '10', kind: 'paid' });
  const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: key, maxRetries: 0 });
  const balance = async () => toMicros((await admin('GET', `/admin/accounts/${account.id}/wallet`)).balance);
  /** The balance once it has gone down by `expected` (settlement is batched), or as it is after 5 s. */
  const spent = async (before: bigint, expected: bigint) => {
    const deadline = Date.now() + 5000;
    let now = await balance();
    while (before - now !== expected && Date.now() < deadline) {
      await Bun.sleep(20);
      now = await balance();
    }
    return before - now;
  };

  // A stream of 10 tokens, 150 ms apart; the reload happens after its first chunk.
  fake.setBehavior({ chunks: 10, chunkDelayMs: 150 });
  const start = await balance();
  const stream = await client.chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content: 'one two three' }], stream: true });
  const pieces: string[] = [];
  const iterator = stream[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (!first.done) pieces.push(first.value.choices[0]?.delta.content ?? '');
  await Bun.write(path, configToml({ ...base, inputPerMillion: '10', outputPerMillion: '100' }));
  server.child.kill('SIGHUP');
  await printed('configuration reloaded', 1);
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) pieces.push(next.value.choices[0]?.delta.content ?? '');
  expect(pieces.join('')).toBe(Array.from({ length: 10 }, (_, index) => `tok${index}`).join(' '));
  expect(await spent(start, 3n + 10n)).toBe(13n); // the price it started with: 1 micro-credit per token

  fake.setBehavior({ chunks: 4 });
  const afterStream = await balance();
  await client.chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content: 'one two three' }] });
  expect(await spent(afterStream, 3n * 10n + 4n * 100n)).toBe(430n);

  await Bun.write(path, configToml({ ...base, inputPerMillion: 'free' }));
  server.child.kill('SIGHUP');
  await printed('reload refused', 1);
  expect(server.output()).toContain('prices.default.input_per_million');
  const afterRefusal = await balance();
  await client.chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content: 'one two three' }] });
  expect(await spent(afterRefusal, 430n)).toBe(430n);
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
});
