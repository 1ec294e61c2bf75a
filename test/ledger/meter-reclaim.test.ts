// Shrink-on-demand between replicas (issue 8, point 3), driven through two meters with their
// own owners on one database, as two gateway processes would: a meter short of lease credit
// gets back what the other's lease holds but does not use, and never what its requests hold.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { CreditMeter, type Reservation } from '../../src/ledger/meter';
import * as ledger from '../../src/ledger/service';
import { newId } from '../../src/shared/ids';
import type { UsageRecord } from '../../src/usage/service';
import { createAccountWithKey, createTestApp, type TestApp } from '../support/app';

// A hundred sequential settlements, each waiting for its commit.
setDefaultTimeout(60_000);

const RESERVATION_MICROS = 1_000n;
let testApp: TestApp;
beforeAll(async () => {
  testApp = await createTestApp({ wallet: { trial_credits: 0 } });
});
afterAll(() => testApp.close());

interface Replica {
  meter: CreditMeter;
  owner: string;
}

function startReplica(owner: string): Replica {
  // Idle leases are kept for a minute: only an ask can make this replica give one back.
  const meter = new CreditMeter(testApp.context.handle, { owner, leaseTtlMs: 60_000, idleCloseMs: 60_000, growthFactor: 16n, now: Date.now });
  return { meter, owner };
}

async function walletWith(micros: bigint): Promise<{ accountId: string; keyId: string }> {
  const { accountId, keyId } = await createAccountWithKey(testApp);
  await ledger.grant(testApp.context.db, { accountId, kind: 'paid', amountMicros: micros, expiresAtMs: null, source: 'admin', idempotencyKey: `seed:${accountId}` }, Date.now());
  return { accountId, keyId };
}

function usageOf(account: { accountId: string; keyId: string }, costMicros: bigint): UsageRecord {
  const nowMs = Date.now();
  return { id: newId('usage'), requestId: newId('req'), keyId: account.keyId, accountId: account.accountId, billing: 'credits', endpoint: 'chat.completions', model: 'fake-model', upstream: 'fake', statusCode: 200, outcome: 'ok', promptTokens: 1, completionTokens: 1, usageEstimated: false, costMicros, holdId: null, latencyMs: 1, ttftMs: null, createdAtMs: nowMs };
}

function reserve(replica: Replica, accountId: string): Promise<Reservation> {
  return replica.meter.reserve(accountId, RESERVATION_MICROS, newId('hold'));
}

/** Reserves and charges whole reservations through `replica` until it is refused; returns how many it served and the slowest reserve. */
async function spendUntilRefused(replica: Replica, account: { accountId: string; keyId: string }): Promise<{ served: number; slowestMs: number; refusal: unknown }> {
  let slowestMs = 0;
  for (let served = 0; ; served++) {
    const startedMs = performance.now();
    let reservation: Reservation;
    try {
      reservation = await reserve(replica, account.accountId);
    } catch (refusal) {
      return { served, slowestMs, refusal };
    }
    slowestMs = Math.max(slowestMs, performance.now() - startedMs);
    await replica.meter.settle(reservation, RESERVATION_MICROS, usageOf(account, RESERVATION_MICROS), 'test');
  }
}

async function leasesOf(accountId: string, owner: string) {
  return testApp.context.db.selectFrom('leases').selectAll().where('account_id', '=', accountId).where('owner', '=', owner).execute();
}

async function expectBooksClosed(accountId: string): Promise<void> {
  const summary = await ledger.getWalletSummary(testApp.context.db, accountId, Date.now());
  expect(summary.reservedMicros).toBe(0n);
  expect(summary.availableMicros).toBe(summary.balanceMicros);
  expect((await ledger.auditLedger(testApp.context.db)).problems).toEqual([]);
}

const insufficient = (error: unknown) => (error as { code?: string }).code;

describe('a replica short of lease credit gets back what another replica leases but does not use', () => {
  test('an idle lease on the other replica is given back: every affordable request is served', async () => {
    const account = await walletWith(100n * RESERVATION_MICROS);
    const [a, b] = [startReplica(`a-${newId('p')}`), startReplica(`b-${newId('p')}`)];
    try {
      await a.meter.settle(await reserve(a, account.accountId), RESERVATION_MICROS, usageOf(account, RESERVATION_MICROS), 'test');
      // A keeps the headroom it leased (16 reservations), idle.
      expect((await leasesOf(account.accountId, a.owner)).map((lease) => [lease.status, BigInt(lease.amount_micros)])).toEqual([['open', 16n * RESERVATION_MICROS]]);
      const { served, slowestMs, refusal } = await spendUntilRefused(b, account);
      console.log(`[meter-reclaim] idle lease asked back: slowest reserve ${slowestMs.toFixed(1)} ms`);
      expect(insufficient(refusal)).toBe('insufficient_credits');
      expect(served).toBe(99);
      expect((await leasesOf(account.accountId, a.owner)).map((lease) => lease.status)).toEqual(['closed']);
      expect((await ledger.getWalletSummary(testApp.context.db, account.accountId, Date.now())).balanceMicros).toBe(0n);
    } finally {
      await a.meter.close();
      await b.meter.close();
    }
    await expectBooksClosed(account.accountId);
  });

  test('a busy lease gives back only its unused part; its request still settles from it', async () => {
    const account = await walletWith(100n * RESERVATION_MICROS);
    const [a, b] = [startReplica(`a-${newId('p')}`), startReplica(`b-${newId('p')}`)];
    try {
      const inFlight = await reserve(a, account.accountId);
      const { served, slowestMs, refusal } = await spendUntilRefused(b, account);
      console.log(`[meter-reclaim] busy lease shrunk: slowest reserve ${slowestMs.toFixed(1)} ms`);
      expect(insufficient(refusal)).toBe('insufficient_credits');
      expect(served).toBe(99);
      const [lease] = await leasesOf(account.accountId, a.owner);
      expect([lease!.status, BigInt(lease!.amount_micros), lease!.reclaim_requested_at_ms]).toEqual(['open', RESERVATION_MICROS, null]);
      expect(await a.meter.settle(inFlight, RESERVATION_MICROS, usageOf(account, RESERVATION_MICROS), 'test')).toBe(RESERVATION_MICROS);
      expect((await ledger.getWalletSummary(testApp.context.db, account.accountId, Date.now())).balanceMicros).toBe(0n);
    } finally {
      await a.meter.close();
      await b.meter.close();
    }
    await expectBooksClosed(account.accountId);
  });

  test('when the other replica uses all it leases, the refusal is true and nothing is overspent', async () => {
    const account = await walletWith(2n * RESERVATION_MICROS);
    const [a, b] = [startReplica(`a-${newId('p')}`), startReplica(`b-${newId('p')}`)];
    try {
      const held = [await reserve(a, account.accountId), await reserve(a, account.accountId)];
      const { served, refusal } = await spendUntilRefused(b, account);
      expect(served).toBe(0);
      expect(insufficient(refusal)).toBe('insufficient_credits');
      for (const reservation of held) await a.meter.settle(reservation, RESERVATION_MICROS, usageOf(account, RESERVATION_MICROS), 'test');
      expect((await ledger.getWalletSummary(testApp.context.db, account.accountId, Date.now())).balanceMicros).toBe(0n);
    } finally {
      await a.meter.close();
      await b.meter.close();
    }
    await expectBooksClosed(account.accountId);
  });
});
