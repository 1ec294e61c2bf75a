// Acceptance: an answered write survives a crash. Each admin write below is followed at once by
// SIGKILL (no shutdown hook runs); a fresh process on the same database must show the write.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/db';
import { authenticateKey, KeyCache } from '../../src/keys/auth';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { ADMIN_TOKEN } from '../support/env';
import { REPO_ROOT, startServerProcess, type ServerProcess } from '../support/server-process';

// These tests start OS processes; bun's 5 s default is too tight on a loaded machine.
setDefaultTimeout(20_000);

let database: TestDatabase;
let configDir: string;
let server: ServerProcess | undefined;

beforeAll(async () => {
  database = await createTestDatabase();
  configDir = mkdtempSync(join(tmpdir(), 'inferport-crash-'));
  await Bun.write(join(configDir, 'inferport.toml'), '[plans.pro]\nrequests_per_minute = 60\n');
  server = await start();
});
afterAll(async () => {
  await server?.stop();
  await database?.drop();
  if (configDir) rmSync(configDir, { recursive: true, force: true });
});

function start(): Promise<ServerProcess> {
  const env: Record<string, string> = { INFERPORT_ADMIN_TOKEN: ADMIN_TOKEN, INFERPORT_DATA_DIR: database.dataDir };
  if (database.url) env.DATABASE_URL = database.url;
  return startServerProcess(['bun', 'src/index.ts', 'serve', '--config', join(configDir, 'inferport.toml')], { cwd: REPO_ROOT, env });
}

function admin(method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${ADMIN_TOKEN}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  return fetch(`${server!.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

/** Sends a write, expects `status`, kills the server the moment the answer is in, and restarts it. */
async function writeThenCrash<T>(method: string, path: string, body: unknown, status: number): Promise<T> {
  const response = await admin(method, path, body);
  const json = (await response.json()) as T;
  await server!.crash();
  expect({ path, status: response.status }).toEqual({ path, status });
  server = await start();
  return json;
}

async function getJson<T>(path: string): Promise<T> {
  const response = await admin('GET', path);
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

describe('writes survive kill -9', () => {
  let accountId: string;
  let keyId: string;
  let key: string;

  test('an account created just before the crash is there after restart', async () => {
    const created = await writeThenCrash<{ id: string }>('POST', '/admin/accounts', { name: 'Durable', email: 'd@example.test' }, 201);
    accountId = created.id;
    expect(await getJson(`/admin/accounts/${accountId}`)).toMatchObject({ id: accountId, name: 'Durable', status: 'active' });
  });

  test('a key created just before the crash is listed and still authenticates', async () => {
    const created = await writeThenCrash<{ id: string; key: string }>('POST', `/admin/accounts/${accountId}/keys`, { billing: 'credits' }, 201);
    ({ id: keyId, key } = created);
    const { data } = await getJson<{ data: { id: string }[] }>(`/admin/accounts/${accountId}/keys`);
    expect(data.map((item) => item.id)).toEqual([keyId]);
    const handle = openDatabase({ url: database.url, dataDir: database.dataDir, poolSize: 1 });
    try {
      expect((await authenticateKey(handle.db, new KeyCache(0), `Bearer ${key}`, Date.now())).id).toBe(keyId);
    } finally {
      await handle.close();
    }
  });

  test('a suspension, an unsuspension and a plan change each survive', async () => {
    await writeThenCrash('POST', `/admin/accounts/${accountId}/suspend`, undefined, 200);
    expect(await getJson(`/admin/accounts/${accountId}`)).toMatchObject({ status: 'suspended' });
    await writeThenCrash('POST', `/admin/accounts/${accountId}/unsuspend`, undefined, 200);
    expect(await getJson(`/admin/accounts/${accountId}`)).toMatchObject({ status: 'active' });
    await writeThenCrash('PUT', `/admin/accounts/${accountId}/plan`, { plan: 'pro' }, 200);
    expect(await getJson(`/admin/accounts/${accountId}`)).toMatchObject({ plan: 'pro' });
  });

  test('a revocation survives', async () => {
    const revoked = await writeThenCrash<{ revoked_at: string }>('DELETE', `/admin/keys/${keyId}`, undefined, 200);
    expect(revoked.revoked_at).toBeString();
    const { data } = await getJson<{ data: { id: string; revoked_at: string | null }[] }>(`/admin/accounts/${accountId}/keys`);
    expect(data).toEqual([expect.objectContaining({ id: keyId, revoked_at: revoked.revoked_at })]);
  });

  test('a burst of concurrent writes, all answered, all survive', async () => {
    const responses = await Promise.all(Array.from({ length: 20 }, (_, index) => admin('POST', '/admin/accounts', { name: `burst ${index}` })));
    const ids = await Promise.all(responses.map(async (response) => ((await response.json()) as { id: string }).id));
    await server!.crash();
    expect(responses.map((response) => response.status)).toEqual(Array(20).fill(201));
    server = await start();
    const { data } = await getJson<{ data: { id: string }[] }>('/admin/accounts?limit=500');
    expect(data.map((item) => item.id)).toEqual(expect.arrayContaining(ids));
  });
});
