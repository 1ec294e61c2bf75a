// The Redis store's own promises, beyond the semantics it shares with the in-process store
// (store-model.test.ts): every key it writes expires on its own and carries its account's hash
// tag (one Redis Cluster slot per admission); a finish never re-creates a counter that has
// expired (it would then live for ever); and a Redis that lost its scripts (SCRIPT FLUSH, as
// after a restart) is sent them again, on the same connection.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import Redis from 'ioredis';
import { RedisQuotaStore } from '../../src/quotas/redis-store';
import { keysOf, requestScopes } from '../../src/quotas/scopes';
import type { Admission } from '../../src/quotas/store';
import { windowsAt } from '../../src/quotas/windows';
import { randomToken } from '../../src/shared/ids';
import { startOwnRedis, type OwnRedis } from '../support/redis-server';
import { CLOCK_START_MS } from './support';

const PREFIX = `inferport-test:store:${randomToken(8)}:`;
const PLAN = {
  requestsPerMinute: 100, tokensPerMinute: 10_000, tokensPerDay: null, tokensPerMonth: null, concurrent: 10,
  models: null, maxTokensPerRequest: null, modelLimits: { 'm:odd{name}': { requestsPerMinute: 5, tokensPerMinute: null, tokensPerDay: null, tokensPerMonth: null, concurrent: null, maxTokensPerRequest: null } }, stripePrice: null,
};
const LIMITS = { requestsPerMinute: 3, tokensPerMinute: null, tokensPerDay: null, tokensPerMonth: null, concurrent: null };

// A Redis of this file's own: SCRIPT FLUSH must not reach the scripts of tests running beside it.
let redis: OwnRedis;
let store: RedisQuotaStore;
let plain: Redis;
beforeAll(async () => {
  redis = await startOwnRedis();
  store = new RedisQuotaStore({ url: redis.url, commandTimeoutMs: 2000 });
  expect(await store.ready()).toBe(true);
  plain = new Redis(redis.url);
});
afterAll(async () => {
  await store.close();
  plain.disconnect();
  await redis.stop();
});

function admission(accountId: string, ticketId: string): Admission {
  const nowMs = CLOCK_START_MS;
  const windows = windowsAt(nowMs);
  const scopes = requestScopes(PREFIX, { accountId, keyId: 'key_1', keyLimits: LIMITS }, PLAN, 'm:odd{name}');
  return {
    ticketId,
    scopes: scopes.map((scope) => ({ keys: keysOf(scope, windows), limits: scope.limits })),
    reserveTokens: 40,
    nowMs,
    ticketExpiresAtMs: nowMs + 60_000,
    ttl: { minuteMs: 60_000, dayMs: 120_000, monthMs: 180_000, inFlightMs: 70_000 },
  };
}

async function keysOfAccount(accountId: string): Promise<string[]> {
  const [, keys] = await plain.scan('0', 'MATCH', `${PREFIX}{${accountId}}*`, 'COUNT', 10_000);
  return keys.sort();
}

test('every key of an admission expires on its own and carries the account as its hash tag', async () => {
  const accountId = `acct_${randomToken(8)}`;
  expect((await store.admit(admission(accountId, 'qt_1'))).admitted).toBe(true);
  const keys = await keysOfAccount(accountId);
  // Three scopes (account, model, key) of five counters each, a model name with ':' and braces included.
  expect(keys).toHaveLength(15);
  for (const key of keys) {
    const tag = key.slice(key.indexOf('{') + 1, key.indexOf('}', key.indexOf('{')));
    const ttlMs = await plain.pttl(key);
    expect({ key, tag, expires: ttlMs > 0 && ttlMs <= 180_000 }).toEqual({ key, tag: accountId, expires: true });
  }
});

test('a finish adds to counters that exist and never re-creates one that expired', async () => {
  const accountId = `acct_${randomToken(8)}`;
  const admitted = admission(accountId, 'qt_2');
  await store.admit(admitted);
  const [account] = admitted.scopes;
  // As if the day had ended long ago and its counter expired.
  await plain.del(account!.keys.tokensDay);
  await store.finish({ ticketId: 'qt_2', scopes: admitted.scopes.map((scope) => scope.keys) }, 7 - 40);
  expect(await plain.exists(account!.keys.tokensDay)).toBe(0);
  expect(await plain.get(account!.keys.tokensMinute)).toBe('7');
  expect(await plain.zcard(account!.keys.inFlight)).toBe(0);
});

test('after SCRIPT FLUSH (what a restarted Redis has), admissions and finishes work on the same connection', async () => {
  const accountId = `acct_${randomToken(8)}`;
  expect((await store.admit(admission(accountId, 'qt_3'))).admitted).toBe(true);
  await plain.script('FLUSH');
  const second = admission(accountId, 'qt_4');
  const outcome = await store.admit(second);
  expect(outcome.admitted).toBe(true);
  expect(outcome.counts[0]).toMatchObject({ requests: 2, tokensMinute: 80, inFlight: 2 });
  await plain.script('FLUSH');
  await store.finish({ ticketId: 'qt_4', scopes: second.scopes.map((scope) => scope.keys) }, -40);
  expect((await store.read(second.scopes.map((scope) => scope.keys), second.nowMs))[0]).toMatchObject({ tokensMinute: 40, inFlight: 1 });
});
