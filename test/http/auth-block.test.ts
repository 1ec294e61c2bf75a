// Acceptance: an address that keeps presenting bad API keys is blocked for a while ([abuse]):
// 429 too_many_auth_failures with Retry-After on /v1 and /console, good keys included, before
// any key is looked up; other addresses are unaffected; the block lapses with the (injected)
// clock. Over a real socket: the address is the peer's, or X-Forwarded-For's from a trusted proxy.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createAccountWithKey, createTestApp, type TestApp } from '../support/app';

const FAILURES = 3;
const WINDOW_SECONDS = 60;
const BLOCK_SECONDS = 300;
const TRACKED = 8;
const abuse = { auth_failures: FAILURES, auth_failure_window_seconds: WINDOW_SECONDS, block_seconds: BLOCK_SECONDS, tracked_addresses: TRACKED };

let clockMs = Date.UTC(2030, 0, 1);
const advance = (seconds: number) => {
  clockMs += seconds * 1000;
};

interface Gateway {
  testApp: TestApp;
  baseUrl: string;
  goodKey: string;
}

async function startGateway(raw: Record<string, unknown>): Promise<Gateway> {
  const testApp = await createTestApp(raw, {}, { now: () => clockMs });
  const baseUrl = testApp.listen();
  const { key } = await createAccountWithKey(testApp);
  return { testApp, baseUrl, goodKey: key };
}

let proxied: Gateway;
let direct: Gateway;
beforeAll(async () => {
  // Behind a trusted proxy on loopback: X-Forwarded-For names each test's clients.
  proxied = await startGateway({ server: { trusted_proxies: ['127.0.0.1'] }, abuse });
  // No trusted proxy: every request comes from 127.0.0.1, whatever the header says.
  direct = await startGateway({ abuse });
});
afterAll(async () => {
  await proxied?.testApp.close();
  await direct?.testApp.close();
});

let addressCount = 0;
/** A client address no other test uses. */
const freshAddress = () => `203.0.113.${++addressCount}`;

function send(gateway: Gateway, from: string | null, key: string | null, path = '/v1/models', body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (from) headers['x-forwarded-for'] = from;
  if (key) headers.authorization = `Bearer ${key}`;
  const init = body === undefined ? { headers } : { method: 'POST', headers, body: JSON.stringify(body) };
  return fetch(`${gateway.baseUrl}${path}`, init);
}

const BAD_KEY = 'ipk_not-a-key-anyone-was-given';

async function failTimes(gateway: Gateway, from: string | null, times: number): Promise<void> {
  for (let attempt = 0; attempt < times; attempt++) expect((await send(gateway, from, BAD_KEY)).status).toBe(401);
}

async function expectBlocked(response: Response, retryAfterSeconds: number): Promise<void> {
  expect(response.status).toBe(429);
  expect(response.headers.get('retry-after')).toBe(String(retryAfterSeconds));
  const body = (await response.json()) as { error: { message: string } };
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error).toMatchObject({ type: 'rate_limit_error', code: 'too_many_auth_failures', param: null });
  expect(body.error.message).toContain(`${retryAfterSeconds} s`);
}

describe('an address that keeps failing to authenticate', () => {
  test(`is refused with 429 and Retry-After after ${FAILURES} bad keys, good keys and /console too; other addresses are not`, async () => {
    const attacker = freshAddress();
    await failTimes(proxied, attacker, FAILURES);
    await expectBlocked(await send(proxied, attacker, BAD_KEY), BLOCK_SECONDS);
    // Refused before the key is looked up: a good key from the address is refused as well.
    await expectBlocked(await send(proxied, attacker, proxied.goodKey), BLOCK_SECONDS);
    await expectBlocked(await send(proxied, attacker, proxied.goodKey, '/console/wallet'), BLOCK_SECONDS);
    await expectBlocked(await send(proxied, attacker, proxied.goodKey, '/v1/chat/completions', { model: 'm', messages: [] }), BLOCK_SECONDS);

    const bystander = freshAddress();
    expect((await send(proxied, bystander, proxied.goodKey)).status).toBe(200);
    expect((await send(proxied, bystander, BAD_KEY)).status).toBe(401);
    // Routes outside /v1 and /console do not look at the block.
    expect((await send(proxied, attacker, null, '/healthz')).status).toBe(200);
  });

  test('is let in again when the block lapses, with a fresh count', async () => {
    const attacker = freshAddress();
    await failTimes(proxied, attacker, FAILURES);
    advance(BLOCK_SECONDS - 1);
    await expectBlocked(await send(proxied, attacker, proxied.goodKey), 1);
    advance(1);
    expect((await send(proxied, attacker, proxied.goodKey)).status).toBe(200);
    await failTimes(proxied, attacker, FAILURES);
    await expectBlocked(await send(proxied, attacker, proxied.goodKey), BLOCK_SECONDS);
  });

  test('failures further apart than the window do not add up', async () => {
    const client = freshAddress();
    await failTimes(proxied, client, FAILURES - 1);
    advance(WINDOW_SECONDS);
    await failTimes(proxied, client, FAILURES - 1);
    expect((await send(proxied, client, proxied.goodKey)).status).toBe(200);
  });

  test('a success in between does not reset the count', async () => {
    const attacker = freshAddress();
    await failTimes(proxied, attacker, FAILURES - 1);
    expect((await send(proxied, attacker, proxied.goodKey)).status).toBe(200);
    await failTimes(proxied, attacker, 1);
    await expectBlocked(await send(proxied, attacker, proxied.goodKey), BLOCK_SECONDS);
  });

  test('a missing key and a suspended account do not count; revoked keys do', async () => {
    const client = freshAddress();
    for (let attempt = 0; attempt < FAILURES * 2; attempt++) expect((await send(proxied, client, null)).status).toBe(401);
    const suspended = await createAccountWithKey(proxied.testApp);
    expect((await proxied.testApp.admin('POST', `/admin/accounts/${suspended.accountId}/suspend`)).status).toBe(200);
    for (let attempt = 0; attempt < FAILURES * 2; attempt++) expect((await send(proxied, client, suspended.key)).status).toBe(403);
    expect((await send(proxied, client, proxied.goodKey)).status).toBe(200);

    const revoked = await createAccountWithKey(proxied.testApp);
    expect((await proxied.testApp.admin('DELETE', `/admin/keys/${revoked.keyId}`)).status).toBe(200);
    for (let attempt = 0; attempt < FAILURES; attempt++) expect((await send(proxied, client, revoked.key)).status).toBe(401);
    await expectBlocked(await send(proxied, client, proxied.goodKey), BLOCK_SECONDS);
  });

  test('an IPv6 client is counted by its /64', async () => {
    for (let attempt = 0; attempt < FAILURES; attempt++) expect((await send(proxied, `2001:db8:77:1::${attempt + 1}`, BAD_KEY)).status).toBe(401);
    await expectBlocked(await send(proxied, '2001:db8:77:1::ffff', proxied.goodKey), BLOCK_SECONDS);
    expect((await send(proxied, '2001:db8:77:2::1', proxied.goodKey)).status).toBe(200);
  });

  test('what a client writes in X-Forwarded-For left of what the proxy appended changes nothing', async () => {
    const attacker = freshAddress();
    for (let attempt = 0; attempt < FAILURES; attempt++) expect((await send(proxied, `198.51.100.${attempt}, ${attacker}`, BAD_KEY)).status).toBe(401);
    await expectBlocked(await send(proxied, `198.51.100.200, ${attacker}`, proxied.goodKey), BLOCK_SECONDS);
  });

  test('memory stays bounded under a flood of addresses, and the blocks hold', async () => {
    const attacker = freshAddress();
    await failTimes(proxied, attacker, FAILURES);
    for (let index = 0; index < 20 * TRACKED; index++) {
      expect((await send(proxied, `198.18.${index >> 8}.${index & 255}`, BAD_KEY)).status).toBe(401);
      expect(proxied.testApp.context.authFailures.size).toBeLessThanOrEqual(2 * TRACKED);
    }
    await expectBlocked(await send(proxied, attacker, proxied.goodKey), BLOCK_SECONDS);
  });
});

describe('without a trusted proxy', () => {
  test('X-Forwarded-For is ignored: the peer is blocked whatever address the header claims', async () => {
    for (let attempt = 0; attempt < FAILURES; attempt++) expect((await send(direct, freshAddress(), BAD_KEY)).status).toBe(401);
    await expectBlocked(await send(direct, freshAddress(), direct.goodKey), BLOCK_SECONDS);
    await expectBlocked(await send(direct, null, direct.goodKey), BLOCK_SECONDS);
    // In-process requests (app.handle, no socket) have no address and are never refused for it.
    expect((await direct.testApp.request('GET', '/v1/models', { token: direct.goodKey })).status).toBe(200);
    advance(BLOCK_SECONDS);
    expect((await send(direct, null, direct.goodKey)).status).toBe(200);
  });
});

describe('auth_failures = 0', () => {
  test('never blocks', async () => {
    const open = await startGateway({ abuse: { auth_failures: 0 } });
    try {
      await failTimes(open, null, 3 * FAILURES);
      expect((await send(open, null, open.goodKey)).status).toBe(200);
      expect(open.testApp.context.authFailures.size).toBe(0);
    } finally {
      await open.testApp.close();
    }
  });
});
