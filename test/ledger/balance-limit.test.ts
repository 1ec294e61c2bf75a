// Regression (issue 7, point 5): a grant that would push a balance past what int8 holds was a
// 500 ("bigint out of range" on PostgreSQL). A wallet now holds at most BALANCE_MICROS_MAX
// (one billion credits): a larger grant, or one that would take the balance past it, is a 400
// and writes nothing.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { BALANCE_MICROS_MAX } from '../../src/ledger/model';
import * as ledger from '../../src/ledger/service';
import { formatMicros } from '../../src/shared/money';
import { createTestApp, readJson, type TestApp } from '../support/app';

let testApp: TestApp;

beforeAll(async () => {
  testApp = await createTestApp({ wallet: { trial_credits: 0 } });
});
afterAll(async () => {
  await testApp?.close();
});

async function newAccount(): Promise<string> {
  return (await readJson(await testApp.admin('POST', '/admin/accounts', { name: 'rich' }))).id;
}
const grant = (accountId: string, amount: string, idempotencyKey?: string) =>
  testApp.admin('POST', `/admin/accounts/${accountId}/credits`, { amount, kind: 'paid', ...(idempotencyKey ? { idempotency_key: idempotencyKey } : {}) });
const balanceOf = async (accountId: string) => (await ledger.getWalletSummary(testApp.context.db, accountId, Date.now())).balanceMicros;
const countTransactions = async () => (await testApp.context.db.selectFrom('ledger_transactions').select('id').execute()).length;

describe('the maximum balance', () => {
  test('is one billion credits', () => {
    expect(formatMicros(BALANCE_MICROS_MAX)).toBe('1000000000.000000');
  });

  test('a single grant above it is 400 naming amount', async () => {
    const accountId = await newAccount();
    for (const amount of ['1000000000.000001', '999999999999.999999']) {
      const response = await grant(accountId, amount);
      expect(response.status).toBe(400);
      expect((await readJson(response)).error).toMatchObject({ code: 'invalid_request', param: 'amount' });
    }
    expect(await balanceOf(accountId)).toBe(0n);
  });

  test('grants may fill a wallet exactly to it, and the next micro-credit is refused', async () => {
    const accountId = await newAccount();
    expect((await grant(accountId, '600000000', 'first')).status).toBe(200);
    expect((await grant(accountId, '399999999.999999')).status).toBe(200);
    expect((await grant(accountId, '0.000001', 'last')).status).toBe(200);
    expect(await balanceOf(accountId)).toBe(BALANCE_MICROS_MAX);

    const transactions = await countTransactions();
    const over = await grant(accountId, '0.000001');
    expect(over.status).toBe(400);
    const { error } = await readJson(over);
    expect(error).toMatchObject({ code: 'balance_limit_exceeded', param: 'amount', type: 'invalid_request_error' });
    expect(error.message).toContain('1000000000.000000');
    expect(await balanceOf(accountId)).toBe(BALANCE_MICROS_MAX);
    expect(await countTransactions()).toBe(transactions);

    // A retry of a grant that succeeded is still answered as a replay, not refused.
    const replay = await grant(accountId, '0.000001', 'last');
    expect(replay.status).toBe(200);
    expect((await readJson(replay)).replayed).toBe(true);
  });

  test('repeated large grants stop at the limit with a 400', async () => {
    const accountId = await newAccount();
    const statuses: number[] = [];
    for (let round = 0; round < 12; round++) statuses.push((await grant(accountId, '999999999')).status);
    expect(statuses[0]).toBe(200);
    expect(statuses.slice(1)).toEqual(Array(11).fill(400));
    expect(await balanceOf(accountId)).toBe(999_999_999_000_000n);
    expect(await ledger.auditLedger(testApp.context.db)).toMatchObject({ problems: [] });
  });
});
