// The exits of a capped request other than a plain success, each leaving the caps exact: the
// wallet refusing after the spend hold was taken, an upstream failure (released), a stream, an
// upstream whose usage overruns what was reserved (charged at most the reservation, so at most
// the cap), and a spend hold left behind by a process that died (counted until it expires).
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import * as ledger from '../../src/ledger/service';
import { createAccountWithKey, createTestApp, type TestApp } from '../support/app';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { costMicros, formatCredits, reservationFor } from '../gateway/account-state';
import { outcomeOf } from '../gateway/burst';
import { startScriptedUpstream, type ScriptedUpstream } from '../gateway/scripted-upstream';
import { auditKeySpend } from '../../src/teams/audit';
import { dropSpendHold } from '../../src/teams/spend-holds';
import { capKey, chargesByKey, openSpendHolds } from './support';

let nowMs = Date.UTC(2026, 6, 1, 12);
let testApp: TestApp;
let fake: FakeUpstream;
let scripted: ScriptedUpstream;
let baseUrl: string;
beforeAll(async () => {
  fake = startFakeUpstream();
  scripted = startScriptedUpstream();
  testApp = await createTestApp(
    { upstreams: [{ name: 'local', url: fake.url, models: ['fake-model'] }, { name: 'scripted', url: scripted.url, models: ['scripted-model'] }], wallet: { trial_credits: 0 } },
    {},
    { now: () => nowMs },
  );
  baseUrl = testApp.listen();
});
afterAll(async () => {
  await testApp.close();
  await fake.stop();
  await scripted.stop();
});

const MAX_TOKENS = 16;
const BODY = { model: 'fake-model', messages: [{ role: 'user' as const, content: 'one two three' }], max_tokens: MAX_TOKENS };
const RESERVATION_MICROS = reservationFor(Buffer.byteLength(JSON.stringify(BODY)), MAX_TOKENS);

async function cappedCustomer(walletMicros: bigint, capMicros: bigint): Promise<{ accountId: string; keyId: string; client: OpenAI }> {
  const { accountId, keyId, key } = await createAccountWithKey(testApp);
  if (walletMicros > 0n) await ledger.grant(testApp.context.db, { accountId, kind: 'paid', amountMicros: walletMicros, expiresAtMs: null, source: 'admin', idempotencyKey: `seed:${accountId}` }, nowMs);
  await capKey(testApp, keyId, { daily: formatCredits(capMicros) });
  return { accountId, keyId, client: new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: key, maxRetries: 0 }) };
}

describe('a capped request on its other exits', () => {
  test('the wallet refuses (402) after the spend hold: the hold is dropped, nothing charged', async () => {
    const customer = await cappedCustomer(RESERVATION_MICROS - 1n, RESERVATION_MICROS * 10n);
    expect(await outcomeOf(customer.client.chat.completions.create(BODY))).toEqual({ status: 402, code: 'insufficient_credits' });
    expect(await openSpendHolds(testApp, customer.accountId)).toBe(0);
    expect((await chargesByKey(testApp, customer.accountId)).size).toBe(0);
  });

  test('an upstream failure releases the reservation and drops the hold', async () => {
    const customer = await cappedCustomer(10_000_000n, RESERVATION_MICROS * 10n);
    fake.setBehavior({ mode: 'error500' });
    try {
      const outcome = await outcomeOf(customer.client.chat.completions.create(BODY));
      expect(outcome.status).toBeGreaterThanOrEqual(500);
    } finally {
      fake.reset();
    }
    expect(await openSpendHolds(testApp, customer.accountId)).toBe(0);
    expect((await chargesByKey(testApp, customer.accountId)).size).toBe(0);
    const spent = await testApp.context.db.selectFrom('key_spend_daily').select('cost_micros').where('key_id', '=', customer.keyId).execute();
    expect(spent.map((row) => BigInt(row.cost_micros))).toEqual([0n]);
  });

  test('a stream is charged once, the rollup has its charge and the hold is gone', async () => {
    const customer = await cappedCustomer(10_000_000n, RESERVATION_MICROS * 10n);
    const stream = await customer.client.chat.completions.create({ ...BODY, stream: true });
    for await (const _chunk of stream) {
      // drained to [DONE]
    }
    const charges = await chargesByKey(testApp, customer.accountId);
    expect(charges.get(customer.keyId)).toBe(costMicros(3, 4));
    expect(await openSpendHolds(testApp, customer.accountId)).toBe(0);
    const spent = await testApp.context.db.selectFrom('key_spend_daily').select('cost_micros').where('key_id', '=', customer.keyId).executeTakeFirstOrThrow();
    expect(BigInt(spent.cost_micros)).toBe(costMicros(3, 4));
  });

  test('usage past the reservation: a capped key is charged its reservation, so its cap holds', async () => {
    const body = { ...BODY, model: 'scripted-model' };
    const reservationMicros = reservationFor(Buffer.byteLength(JSON.stringify(body)), MAX_TOKENS);
    const customer = await cappedCustomer(10_000_000n, reservationMicros);
    scripted.answer({ body: { id: 'x', object: 'chat.completion', created: 1, model: 'scripted-model', choices: [{ index: 0, message: { role: 'assistant', content: 'long' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 100_000, total_tokens: 100_003 } } });
    expect((await outcomeOf(customer.client.chat.completions.create(body))).status).toBe(200);
    expect((await chargesByKey(testApp, customer.accountId)).get(customer.keyId)).toBe(reservationMicros);
    expect(await outcomeOf(customer.client.chat.completions.create(body))).toEqual({ status: 429, code: 'spend_cap_reached' });
  });

  test("a dead process's spend hold counts until it expires, then is cleared", async () => {
    const customer = await cappedCustomer(10_000_000n, RESERVATION_MICROS);
    const expiresAtMs = nowMs + 60_000;
    await testApp.context.db
      .insertInto('spend_holds')
      .values({ id: 'req_dead', account_id: customer.accountId, key_id: customer.keyId, member_id: null, amount_micros: 1n, created_at_ms: BigInt(nowMs), expires_at_ms: BigInt(expiresAtMs) })
      .execute();
    expect(await outcomeOf(customer.client.chat.completions.create(BODY))).toEqual({ status: 429, code: 'spend_cap_reached' });
    nowMs = expiresAtMs;
    expect((await outcomeOf(customer.client.chat.completions.create(BODY))).status).toBe(200);
    expect(await openSpendHolds(testApp, customer.accountId)).toBe(0);
  });

  test('a spend hold that cannot be deleted is logged and left to expire, never thrown at the request', async () => {
    const failing = testApp.context.db.withPlugin({
      transformQuery: () => {
        throw new Error('database unreachable');
      },
      transformResult: async ({ result }) => result,
    });
    const logged: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => logged.push(args.join(' '));
    try {
      expect(await dropSpendHold(failing, 'req_unreachable')).toBeUndefined();
    } finally {
      console.error = original;
    }
    expect(String(logged[0])).toContain('req_unreachable: dropping its spend hold failed');
  });

  test('key_spend_daily is the exact sum of the usage records it rolls up', async () => {
    expect(await auditKeySpend(testApp.context.db)).toEqual([]);
  });
});
