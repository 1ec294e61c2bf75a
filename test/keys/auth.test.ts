// Acceptance: API keys authenticate through authenticateKey with the real database; revocation,
// expiry and suspension are refused with the right status and code; the secret is never stored.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { ApiError } from '../../src/errors';
import { authenticateKey, KeyCache } from '../../src/keys/auth';
import { createAccountWithKey, createTestApp, type TestApp } from '../support/app';

let testApp: TestApp;

beforeAll(async () => {
  testApp = await createTestApp();
});
afterAll(async () => {
  await testApp?.close();
});

const bearer = (key: string) => `Bearer ${key}`;

/** Runs authenticateKey and returns the ApiError it throws (fails the test if it does not throw). */
async function authError(cache: KeyCache, authorization: string | null, nowMs = Date.now()): Promise<ApiError> {
  try {
    await authenticateKey(testApp.context.db, cache, authorization, nowMs);
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    return error as ApiError;
  }
  throw new Error('authenticateKey accepted a key it should have refused');
}

describe('authenticateKey', () => {
  test('a valid key resolves to its key and account', async () => {
    const { accountId, keyId, key } = await createAccountWithKey(testApp, { billing: 'plan', models: ['m1'] });
    const authenticated = await authenticateKey(testApp.context.db, new KeyCache(2000), bearer(key), Date.now());
    expect(authenticated).toMatchObject({ id: keyId, accountId, billing: 'plan', models: ['m1'], accountStatus: 'active', revokedAtMs: null });
  });

  test.each([
    ['no header', null],
    ['a non-bearer header', 'Basic abc'],
    ['garbage', 'Bearer not-a-key'],
    ['a well-formed key nobody issued', `Bearer ipk_${'A'.repeat(43)}`],
  ])('%s is 401 invalid_api_key', async (_label, authorization) => {
    const error = await authError(new KeyCache(2000), authorization);
    expect([error.status, error.code, error.type]).toEqual([401, 'invalid_api_key', 'authentication_error']);
  });

  test('a revoked key is 401 key_revoked', async () => {
    const { keyId, key } = await createAccountWithKey(testApp);
    expect((await testApp.admin('DELETE', `/admin/keys/${keyId}`)).status).toBe(200);
    const error = await authError(new KeyCache(2000), bearer(key));
    expect([error.status, error.code]).toEqual([401, 'key_revoked']);
  });

  test('an expired key is 401 key_expired; one expiring later still works', async () => {
    // A key cannot be created already expired (see account-lifecycle.test.ts): this one expires
    // in a minute and is presented two minutes from now.
    const soon = new Date(Date.now() + 60_000).toISOString();
    const expired = await createAccountWithKey(testApp, { billing: 'credits', expires_at: soon });
    const error = await authError(new KeyCache(2000), bearer(expired.key), Date.now() + 120_000);
    expect([error.status, error.code]).toEqual([401, 'key_expired']);

    const future = new Date(Date.now() + 3_600_000).toISOString();
    const live = await createAccountWithKey(testApp, { billing: 'credits', expires_at: future });
    const cache = new KeyCache(2000);
    expect((await authenticateKey(testApp.context.db, cache, bearer(live.key), Date.now())).id).toBe(live.keyId);
    const later = await authError(cache, bearer(live.key), Date.now() + 3_600_001);
    expect(later.code).toBe('key_expired');
  });

  test('a key of a suspended account is 403 account_suspended, and works again after unsuspend', async () => {
    const { accountId, key } = await createAccountWithKey(testApp);
    const cache = testApp.context.keyCache;
    await authenticateKey(testApp.context.db, cache, bearer(key), Date.now());
    expect((await testApp.admin('POST', `/admin/accounts/${accountId}/suspend`)).status).toBe(200);
    const error = await authError(cache, bearer(key));
    expect([error.status, error.code, error.type]).toEqual([403, 'account_suspended', 'permission_error']);
    expect((await testApp.admin('POST', `/admin/accounts/${accountId}/unsuspend`)).status).toBe(200);
    expect((await authenticateKey(testApp.context.db, cache, bearer(key), Date.now())).accountStatus).toBe('active');
  });
});

describe('revocation reaches the cache', () => {
  test('DELETE /admin/keys/:id takes effect at once in the same process', async () => {
    const { keyId, key } = await createAccountWithKey(testApp);
    const cache = testApp.context.keyCache;
    const nowMs = Date.now();
    await authenticateKey(testApp.context.db, cache, bearer(key), nowMs);
    expect((await testApp.admin('DELETE', `/admin/keys/${keyId}`)).status).toBe(200);
    // Same instant: only the cache clear, not the TTL, can explain the refusal.
    expect((await authError(cache, bearer(key), nowMs)).code).toBe('key_revoked');
  });

  test('a revocation written by another replica is seen once the TTL has passed', async () => {
    const { keyId, key } = await createAccountWithKey(testApp);
    const cache = new KeyCache(2000);
    const nowMs = Date.now();
    await authenticateKey(testApp.context.db, cache, bearer(key), nowMs);
    await testApp.context.db.updateTable('api_keys').set({ revoked_at_ms: BigInt(nowMs) }).where('id', '=', keyId).execute();

    // Within the TTL the cached answer stands; that is the documented bound on staleness.
    expect((await authenticateKey(testApp.context.db, cache, bearer(key), nowMs + 1999)).id).toBe(keyId);
    expect((await authError(cache, bearer(key), nowMs + 2000)).code).toBe('key_revoked');
  });

  test('a revoked key stays revoked and keeps its first revocation time', async () => {
    const { keyId } = await createAccountWithKey(testApp);
    const first = (await (await testApp.admin('DELETE', `/admin/keys/${keyId}`)).json()) as { revoked_at: string };
    await Bun.sleep(5);
    const second = (await (await testApp.admin('DELETE', `/admin/keys/${keyId}`)).json()) as { revoked_at: string };
    expect(first.revoked_at).toBeString();
    expect(second.revoked_at).toBe(first.revoked_at);
    expect((await testApp.admin('DELETE', '/admin/keys/key_missing')).status).toBe(404);
  });
});

describe('key storage', () => {
  test('the stored row holds only the hash and a short prefix of the key', async () => {
    const { keyId, key } = await createAccountWithKey(testApp, { name: 'storage', billing: 'credits' });
    const row = await testApp.context.db.selectFrom('api_keys').selectAll().where('id', '=', keyId).executeTakeFirstOrThrow();
    expect(row.key_hash).toBe(new Bun.CryptoHasher('sha256').update(key).digest('hex'));
    const windows = Array.from({ length: key.length - 19 }, (_, start) => key.slice(start, start + 20));
    const leaks = Object.entries(row).filter(([, value]) => windows.some((window) => String(value ?? '').includes(window)));
    expect(leaks).toEqual([]);
    expect(key.startsWith(row.prefix)).toBe(true);
    expect(row.prefix.length).toBeLessThan(20);
  });

  test('listings show the prefix, never the key or its hash', async () => {
    const { accountId, keyId, key } = await createAccountWithKey(testApp);
    const response = await testApp.admin('GET', `/admin/accounts/${accountId}/keys`);
    const text = await response.text();
    const hash = new Bun.CryptoHasher('sha256').update(key).digest('hex');
    expect(text).not.toContain(key.slice(12, 32));
    expect(text).not.toContain(hash);
    const { data } = JSON.parse(text) as { data: Record<string, unknown>[] };
    expect(data).toHaveLength(1);
    expect(data[0]).toMatchObject({ id: keyId, prefix: key.slice(0, 10) });
    expect(data[0]).not.toHaveProperty('key');
  });
});
