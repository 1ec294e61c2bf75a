// Regression (issue 7, point 12): a body nested 100k levels deep was a 500 on /v1 and on the
// admin routes, and U+0000 in an admin string or path id was a 500 on PostgreSQL (SQLite stored
// it). Each is now a 400 that names what is wrong and writes nothing, on both databases.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { JSON_DEPTH_MAX } from '../../src/http/body';
import { jsonNestingExceeds } from '../../src/http/json-depth';
import * as ledger from '../../src/ledger/service';
import { createCustomer, createGatewayFixture, type Customer, type GatewayFixture } from '../gateway/support';
import { readJson } from '../support/app';
import { expectAuditClean } from '../support/audit';

let fixture: GatewayFixture;
let customer: Customer;

beforeAll(async () => {
  fixture = await createGatewayFixture();
  customer = await createCustomer(fixture, 5_000_000n);
});
afterAll(() => fixture.close());

/** Every table an admin route or a request writes, counted. */
async function countRows(): Promise<Record<string, number>> {
  const db = fixture.testApp.context.db;
  const tables = ['accounts', 'api_keys', 'grants', 'ledger_transactions', 'holds', 'usage_records'] as const;
  const counts: Record<string, number> = {};
  for (const table of tables) counts[table] = (await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;
  return Object.fromEntries(Object.entries(counts).map(([table, n]) => [table, Number(n)]));
}

async function expectRefused(send: () => Promise<Response>, code: string, param: string | null): Promise<string> {
  const before = await countRows();
  const response = await send();
  expect(response.status).toBe(400);
  const { error } = await readJson(response);
  expect(error.code).toBe(code);
  expect(error.param).toBe(param);
  expect(await countRows()).toEqual(before);
  return error.message;
}

const deepArray = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);

describe('JSON nesting depth', () => {
  test('the scan counts brackets outside strings only', () => {
    expect(jsonNestingExceeds(deepArray(JSON_DEPTH_MAX), JSON_DEPTH_MAX)).toBe(false);
    expect(jsonNestingExceeds(deepArray(JSON_DEPTH_MAX + 1), JSON_DEPTH_MAX)).toBe(true);
    expect(jsonNestingExceeds(JSON.stringify({ text: '['.repeat(1000) }), 2)).toBe(false);
    // An even run of backslashes ends the string; an odd one escapes the quote.
    expect(jsonNestingExceeds('{"a":"x\\\\","b":"[[[[[["}', 2)).toBe(false);
    expect(jsonNestingExceeds('{"a":"x\\"[[[[[["}', 2)).toBe(false);
    expect(jsonNestingExceeds('{"a":"x\\\\"[[[]]]}', 2)).toBe(true);
    expect(jsonNestingExceeds(deepArray(100_000), JSON_DEPTH_MAX)).toBe(true);
  });

  test('a /v1 chat body nested 100k levels is 400 body_too_deep and reserves nothing', async () => {
    const body = `{"model":"fake-model","messages":[{"role":"user","content":"hi"}],"metadata":${deepArray(100_000)}}`;
    const send = () =>
      fetch(`${fixture.baseUrl}/v1/chat/completions`, { method: 'POST', body, headers: { authorization: `Bearer ${customer.key}`, 'content-type': 'application/json' } });
    const message = await expectRefused(send, 'body_too_deep', null);
    expect(message).toContain(`${JSON_DEPTH_MAX} levels`);
    expect(fixture.fake.requests).toHaveLength(0);
  });

  test('a chat request nested to the limit still goes through the SDK', async () => {
    let nested: unknown = 'leaf';
    // The body's own object is the first level; 127 arrays around 'leaf' make exactly the limit.
    for (let level = 0; level < JSON_DEPTH_MAX - 1; level++) nested = [nested];
    const completion = await customer.client.chat.completions.create({
      model: 'fake-model',
      messages: [{ role: 'user', content: 'one two' }],
      // @ts-expect-error an extension field the upstream receives untouched
      extra_nested: nested,
    });
    expect(completion.choices).toHaveLength(1);
    expect(fixture.fake.requests.at(-1)?.body.extra_nested).toEqual(nested);
  });

  test('an admin body nested 100k levels is 400 body_too_deep', async () => {
    await expectRefused(() => fixture.testApp.admin('POST', '/admin/accounts', `{"name":${deepArray(100_000)}}`), 'body_too_deep', null);
  });
});

describe('NUL characters in admin input', () => {
  const admin = (method: string, path: string, body?: unknown) => () => fixture.testApp.admin(method, path, body);

  test.each([
    ['an account name', () => admin('POST', '/admin/accounts', { name: 'a\u0000b' }), 'name'],
    ['a plan', () => admin('PUT', `/admin/accounts/${customer.accountId}/plan`, { plan: 'p\u0000' }), 'plan'],
    ['a key name', () => admin('POST', `/admin/accounts/${customer.accountId}/keys`, { billing: 'credits', name: '\u0000' }), 'name'],
    ['a key model', () => admin('POST', `/admin/accounts/${customer.accountId}/keys`, { billing: 'credits', models: ['ok', 'm\u0000'] }), 'models.1'],
    ['a grant note', () => admin('POST', `/admin/accounts/${customer.accountId}/credits`, { amount: '1', kind: 'paid', note: 'x\u0000' }), 'note'],
    ['a grant idempotency key', () => admin('POST', `/admin/accounts/${customer.accountId}/credits`, { amount: '1', kind: 'paid', idempotency_key: 'k\u0000' }), 'idempotency_key'],
    ['an account id in the path', () => admin('GET', '/admin/accounts/acct%00x'), 'id'],
    ['an account id in a grant path', () => admin('POST', '/admin/accounts/acct%00x/credits', { amount: '1', kind: 'paid' }), 'id'],
    ['an account id in a status path', () => admin('POST', '/admin/accounts/acct%00x/suspend'), 'id'],
    ['a key id in the path', () => admin('DELETE', '/admin/keys/key%00x'), 'id'],
    ['the accounts cursor', () => admin('GET', '/admin/accounts?after=acct%00'), 'after'],
  ])('U+0000 in %s is 400 naming it', async (_label, make, param) => {
    const message = await expectRefused(make(), 'invalid_request', param);
    expect(message).toBe(`${param} must not contain the NUL character (U+0000).`);
  });

  test('the wallet is untouched by the refused grants', async () => {
    const summary = await ledger.getWalletSummary(fixture.testApp.context.db, customer.accountId, Date.now());
    expect(summary.balanceMicros).toBeLessThanOrEqual(5_000_000n);
    await expectAuditClean(fixture.testApp.context.db);
  });
});

// Found by the fuzz test: {"toString": 1} where a string belongs was a 500 on /v1 (the model was
// priced before it was validated) and on admin routes (Elysia's validation message interpolates
// the wrong value, and that value cannot be made a string).
describe('objects that cannot be made strings', () => {
  const admin = (method: string, path: string, body?: unknown) => () => fixture.testApp.admin(method, path, body);

  test.each([
    ['an account name', () => admin('POST', '/admin/accounts', { name: { toString: 1 } }), 'name'],
    ['a grant amount', () => admin('POST', `/admin/accounts/${customer.accountId}/credits`, { amount: { valueOf: 1 }, kind: 'paid' }), 'amount'],
    ['a key name', () => admin('POST', `/admin/accounts/${customer.accountId}/keys`, { billing: 'credits', name: { toString: 'x' } }), 'name'],
  ])('%s given {"toString"|"valueOf": …} is 400 naming it', async (_label, make, param) => {
    const message = await expectRefused(make(), 'invalid_request', param);
    expect(message).toBe(`${param} must not be an object with a "toString" or "valueOf" member.`);
  });

  test('a /v1 model given {"toString": 1} is 400 naming model, and reserves nothing', async () => {
    for (const path of ['/v1/chat/completions', '/v1/completions', '/v1/embeddings']) {
      const send = () =>
        fetch(`${fixture.baseUrl}${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${customer.key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: { toString: 1 }, messages: [], prompt: 'x', input: 'x' }),
        });
      await expectRefused(send, 'invalid_request', 'model');
    }
    await expectAuditClean(fixture.testApp.context.db);
  });
});
