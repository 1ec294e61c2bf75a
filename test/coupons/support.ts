// Shared by the coupon tests: an app with a clock the test moves, customers with keys, and a
// snapshot of everything a refused redemption must leave alone.
import { sql } from 'kysely';
import { createAccountWithKey, createTestApp, readJson, type TestApp } from '../support/app';

export const DAY_MS = 86_400_000;

export interface CouponApp {
  testApp: TestApp;
  clock: { nowMs: number };
}

/** No trial credit, so every grant an account has is one the test made. */
export async function createCouponApp(): Promise<CouponApp> {
  const clock = { nowMs: Date.UTC(2030, 0, 1) };
  const testApp = await createTestApp({ wallet: { trial_credits: 0 } }, {}, { now: () => clock.nowMs });
  return { testApp, clock };
}

export async function createCustomers(testApp: TestApp, count: number): Promise<{ accountId: string; key: string }[]> {
  const customers = [];
  for (let index = 0; index < count; index++) customers.push(await createAccountWithKey(testApp));
  return customers;
}

export async function createCoupon(testApp: TestApp, body: Record<string, unknown>): Promise<any> {
  const response = await testApp.admin('POST', '/admin/coupons', body);
  if (response.status !== 201) throw new Error(`coupon creation failed: ${response.status} ${await response.text()}`);
  return readJson(response);
}

export const redeem = (testApp: TestApp, key: string, code: string) => testApp.request('POST', '/console/coupons/redeem', { token: key, body: { code } });

/** Coupons, redemptions and every money table, as text: equal snapshots mean nothing changed. */
export async function moneySnapshot(testApp: TestApp): Promise<string> {
  const { db } = testApp.context;
  const queries = [
    sql`SELECT code, redemptions, disabled_at_ms FROM coupons ORDER BY code`,
    sql`SELECT coupon_code, account_id, grant_id FROM coupon_redemptions ORDER BY coupon_code, account_id`,
    sql`SELECT id, kind, remaining_micros, expires_at_ms FROM grants ORDER BY id`,
    sql`SELECT account_id, balance_micros FROM wallets ORDER BY account_id`,
    sql`SELECT COUNT(*) AS n FROM ledger_transactions`,
    sql`SELECT COUNT(*) AS n FROM ledger_entries`,
  ];
  const results = await Promise.all(queries.map((query) => query.execute(db)));
  return JSON.stringify(results.map((result) => result.rows), (_key, value) => (typeof value === 'bigint' || typeof value === 'number' ? String(value) : value));
}

export async function grantsOf(testApp: TestApp, accountId: string) {
  return testApp.context.db.selectFrom('grants').selectAll().where('account_id', '=', accountId).execute();
}
