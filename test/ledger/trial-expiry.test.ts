// Acceptance (issue 11 point 6, first half): trial credit is promo credit that expires on the
// app's clock and is written off by a ledger entry when the scheduler's ledger sweep runs; paid
// credit beside it stays; the entries still sum to every balance. The sweep is safe with
// several replicas running it at once and bounded per pass.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import OpenAI from 'openai';
import * as ledger from '../../src/ledger/service';
import { Scheduler } from '../../src/scheduler/scheduler';
import { scheduledJobs } from '../../src/server';
import { createAccountWithKey, readJson, type TestApp } from '../support/app';
import { expectAuditClean } from '../support/audit';
import type { FakeUpstream } from '../support/fake-upstream';
import { createTrialApp, type TrialApp } from '../support/trial-app';

// Set per file, as other slow files do: in a full run the export test was cut at Bun's 5 s
// default although test/setup.ts raises it.
setDefaultTimeout(60_000);

const DAY_MS = 86_400_000;
const TRIAL_MICROS = 20_000_000n;

let trial: TrialApp;
let testApp: TestApp;
let fake: FakeUpstream;
let baseUrl: string;
let clock: TrialApp['clock'];

beforeAll(async () => {
  trial = await createTrialApp();
  ({ testApp, fake, baseUrl, clock } = trial);
});
afterAll(() => trial.close());

/** The ledger sweep as the server schedules it: the job of scheduledJobs, on the context's clock. */
async function runLedgerSweep(): Promise<void> {
  const scheduler = new Scheduler(scheduledJobs(testApp.context), testApp.context.now);
  await scheduler.runNow('ledger-sweep');
}

async function expireEntries(accountId: string) {
  return testApp.context.db
    .selectFrom('ledger_transactions')
    .innerJoin('ledger_entries', 'ledger_entries.transaction_id', 'ledger_transactions.id')
    .select(['ledger_transactions.id', 'ledger_transactions.memo', 'ledger_entries.book', 'ledger_entries.ledger_account', 'ledger_entries.amount_micros'])
    .where('ledger_transactions.account_id', '=', accountId)
    .where('ledger_transactions.kind', '=', 'expire')
    .orderBy('ledger_entries.book')
    .execute();
}

async function expectEntriesSumToBalance(accountId: string): Promise<bigint> {
  const { db } = testApp.context;
  const sum = await db.selectFrom('ledger_entries').select((eb) => eb.fn.sum<bigint>('amount_micros').as('total')).where('account_id', '=', accountId).where('book', '=', 'grant').executeTakeFirstOrThrow();
  const wallet = await db.selectFrom('wallets').select('balance_micros').where('account_id', '=', accountId).executeTakeFirstOrThrow();
  const summary = await ledger.getWalletSummary(db, accountId, clock.nowMs);
  expect({ entries: BigInt(sum.total ?? 0), cached: BigInt(wallet.balance_micros) }).toEqual({ entries: summary.balanceMicros, cached: summary.balanceMicros });
  return summary.balanceMicros;
}

describe('trial credit expiry', () => {
  test('the trial is a promo grant that the scheduled sweep writes off by one entry once its 30 days are over', async () => {
    const { accountId, key } = await createAccountWithKey(testApp);
    const createdAtMs = clock.nowMs;
    const [grant] = await testApp.context.db.selectFrom('grants').selectAll().where('account_id', '=', accountId).execute();
    expect({ kind: grant!.kind, source: grant!.source, expires: Number(grant!.expires_at_ms) }).toEqual({ kind: 'promo', source: 'trial', expires: createdAtMs + 30 * DAY_MS });

    clock.nowMs = createdAtMs + 30 * DAY_MS - 1;
    await runLedgerSweep();
    expect(await expireEntries(accountId)).toEqual([]);
    expect(await expectEntriesSumToBalance(accountId)).toBe(TRIAL_MICROS);

    clock.nowMs = createdAtMs + 30 * DAY_MS;
    // The wallet stops counting it at once; the sweep then writes it off in the books.
    expect((await readJson(await testApp.request('GET', '/console/wallet', { token: key }))).balance).toBe('0.000000');
    await runLedgerSweep();
    await runLedgerSweep();
    const entries = await expireEntries(accountId);
    expect(entries.map((entry) => [entry.book, entry.ledger_account, BigInt(entry.amount_micros), entry.memo])).toEqual([
      ['grant', grant!.id, -TRIAL_MICROS, 'promo grant expired'],
      ['system', 'expired', TRIAL_MICROS, 'promo grant expired'],
    ]);
    expect(await expectEntriesSumToBalance(accountId)).toBe(0n);
    const page = await readJson(await testApp.request('GET', '/console/ledger', { token: key }));
    expect(page.data.map((line: any) => [line.kind, line.balance_change])).toEqual([['expire', '-20.000000'], ['grant', '20.000000']]);
    await expectAuditClean(testApp.context.db);
  });

  test('a partly spent trial: only its rest is written off, paid credit beside it stays', async () => {
    const { accountId, key } = await createAccountWithKey(testApp);
    const createdAtMs = clock.nowMs;
    await testApp.admin('POST', `/admin/accounts/${accountId}/credits`, { amount: '5', kind: 'paid' });
    const client = new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: key, maxRetries: 0 });
    for (let index = 0; index < 3; index++) await client.chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content: 'one two three' }], max_tokens: 10 });
    // Gives the process's lease back, so that nothing is reserved against the trial any more.
    await testApp.context.meter.close();
    const spent = TRIAL_MICROS + 5_000_000n - (await expectEntriesSumToBalance(accountId));
    expect(spent).toBeGreaterThan(0n);

    clock.nowMs = createdAtMs + 30 * DAY_MS;
    await runLedgerSweep();
    const written = (await expireEntries(accountId)).find((entry) => entry.book === 'grant');
    // Spending took the soonest-expiring (the trial) first, so it is all spent from there.
    expect(-BigInt(written!.amount_micros)).toBe(TRIAL_MICROS - spent);
    expect(await expectEntriesSumToBalance(accountId)).toBe(5_000_000n);
    const wallet = await readJson(await testApp.request('GET', '/console/wallet', { token: key }));
    expect({ paid: wallet.paid, promo: wallet.promo }).toEqual({ paid: '5.000000', promo: '0.000000' });
    await expectAuditClean(testApp.context.db);
  });

  test('coupon credit with credit_expires_days expires the same way', async () => {
    const { accountId, key } = await createAccountWithKey(testApp);
    const startMs = clock.nowMs;
    const created = await testApp.admin('POST', '/admin/coupons', { code: `EXPIRING-${accountId.slice(-8)}`, amount: '3', credit_expires_days: 2 });
    expect(created.status).toBe(201);
    const redeemed = await testApp.request('POST', '/console/coupons/redeem', { token: key, body: { code: (await readJson(created)).code } });
    expect(redeemed.status).toBe(200);
    clock.nowMs = startMs + 2 * DAY_MS;
    await runLedgerSweep();
    // The coupon's 3 credits are written off now; the trial (30 days) is still there.
    const written = (await expireEntries(accountId)).filter((entry) => entry.book === 'grant').map((entry) => BigInt(entry.amount_micros));
    expect(written).toEqual([-3_000_000n]);
    expect(await expectEntriesSumToBalance(accountId)).toBe(TRIAL_MICROS);
    await expectAuditClean(testApp.context.db);
  });

  test('replicas sweeping at once write each expired grant off once; a pass is bounded and the next one goes on', async () => {
    const accounts = [];
    for (let index = 0; index < 5; index++) accounts.push((await createAccountWithKey(testApp)).accountId);
    clock.nowMs += 30 * DAY_MS;
    const first = await ledger.sweep(testApp.context.db, clock.nowMs, 2);
    expect(first.walletsWrittenOff).toBe(2);
    // Three replicas at once (three transactions on PostgreSQL's pool), then the rest is done.
    await Promise.all([1, 2, 3].map(() => ledger.sweep(testApp.context.db, clock.nowMs)));
    for (const accountId of accounts) {
      const grants = (await expireEntries(accountId)).filter((entry) => entry.book === 'grant');
      expect({ accountId, written: grants.map((entry) => BigInt(entry.amount_micros)) }).toEqual({ accountId, written: [-TRIAL_MICROS] });
      expect(await expectEntriesSumToBalance(accountId)).toBe(0n);
    }
    expect((await ledger.sweep(testApp.context.db, clock.nowMs)).walletsWrittenOff).toBe(0);
    await expectAuditClean(testApp.context.db);
  });
});
