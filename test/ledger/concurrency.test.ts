// Concurrency: many requests race for one wallet. Checks the invariants rather than a happy path:
// exactly the affordable reservations succeed, nothing is promised twice, the balance never goes
// negative, and a settlement posts once however many times it is retried at once.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import fc from 'fast-check';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/schema';
import * as ledger from '../../src/ledger/service';
import { TEST_DB_KIND } from '../support/env';
import { countRejections, expectSamplesNeverNegative, fulfilled, handleFor, openMoreHandles, watchWallet } from './concurrency-support';
import { expectAuditClean } from './model-checks';
import { createLedgerFixture, type LedgerFixture } from './support';

let fixture: LedgerFixture;
beforeAll(async () => {
  fixture = await createLedgerFixture();
});
afterAll(() => fixture.close());

const HOUR = 3_600_000;
const RESERVATION_MICROS = 1_000n;
const AFFORDABLE = 50;
const CALLS = 300;

/** Grants worth exactly AFFORDABLE reservations, in both kinds and expiries, so holds span grants. */
async function fundWallet(db: Kysely<Database>, accountId: string, nowMs: number): Promise<bigint> {
  const grants = [
    { kind: 'promo' as const, amountMicros: 7_300n, expiresAtMs: nowMs + HOUR },
    { kind: 'paid' as const, amountMicros: 12_700n, expiresAtMs: nowMs + HOUR },
    { kind: 'promo' as const, amountMicros: 10_000n, expiresAtMs: null },
    { kind: 'paid' as const, amountMicros: 20_000n, expiresAtMs: null },
  ];
  for (const [index, grant] of grants.entries()) {
    await ledger.grant(db, { accountId, ...grant, source: 'admin', idempotencyKey: `fund-${accountId}-${index}` }, nowMs);
  }
  const total = grants.reduce((sum, grant) => sum + grant.amountMicros, 0n);
  expect(total).toBe(RESERVATION_MICROS * BigInt(AFFORDABLE));
  return total;
}

/** 300 reservations at once, spread over `handles`; checks who won and what they hold. */
async function raceReservations(handles: Kysely<Database>[], accountId: string, nowMs: number): Promise<ledger.Hold[]> {
  const watcher = watchWallet(fixture.handle.db, accountId);
  const results = await Promise.allSettled(
    Array.from({ length: CALLS }, (_, index) =>
      ledger.reserve(handleFor(handles, index), { accountId, amountMicros: RESERVATION_MICROS, idempotencyKey: `race-${accountId}-${index}`, ttlMs: HOUR }, nowMs),
    ),
  );
  expectSamplesNeverNegative(await watcher.stop());
  const holds = fulfilled(results);
  expect(holds).toHaveLength(AFFORDABLE);
  expect(countRejections(results)).toEqual({ '402 insufficient_credits': CALLS - AFFORDABLE });
  for (const hold of holds) expect(hold.allocations.reduce((sum, allocation) => sum + allocation.micros, 0n)).toBe(RESERVATION_MICROS);

  // Every grant is now fully reserved, never more: no credit was promised twice.
  const grants = await fixture.handle.db.selectFrom('grants').select(['remaining_micros', 'reserved_micros']).where('account_id', '=', accountId).execute();
  for (const grant of grants) expect(BigInt(grant.reserved_micros)).toBe(BigInt(grant.remaining_micros));
  const summary = await ledger.getWalletSummary(fixture.handle.db, accountId, nowMs);
  expect(summary.reservedMicros).toBe(RESERVATION_MICROS * BigInt(AFFORDABLE));
  expect(summary.availableMicros).toBe(0n);
  await expectAuditClean(fixture.handle.db);
  return holds;
}

/** Posts every hold at once with a random actual cost up to the hold; returns the total charged. */
async function postAllAtOnce(handles: Kysely<Database>[], holds: ledger.Hold[], nowMs: number): Promise<bigint> {
  const costs = fc.sample(fc.bigInt({ min: 0n, max: RESERVATION_MICROS }), holds.length);
  const watcher = watchWallet(fixture.handle.db, holds[0]!.accountId);
  const results = await Promise.all(
    holds.map((hold, index) => ledger.post(handleFor(handles, index), { holdId: hold.id, amountMicros: costs[index]!, idempotencyKey: `settle-${hold.id}` }, nowMs)),
  );
  expectSamplesNeverNegative(await watcher.stop());
  expect(results.map((result) => [result.chargedMicros, result.shortfallMicros, result.replayed])).toEqual(costs.map((cost) => [cost, 0n, false]));
  return costs.reduce((sum, cost) => sum + cost, 0n);
}

async function expectSettled(accountId: string, grantedMicros: bigint, chargedMicros: bigint, nowMs: number): Promise<void> {
  const db = fixture.handle.db;
  const wallet = await db.selectFrom('wallets').selectAll().where('account_id', '=', accountId).executeTakeFirstOrThrow();
  expect(BigInt(wallet.balance_micros)).toBe(grantedMicros - chargedMicros);
  expect(BigInt(wallet.reserved_micros)).toBe(0n);
  const summary = await ledger.getWalletSummary(db, accountId, nowMs);
  expect(summary.balanceMicros).toBe(grantedMicros - chargedMicros);
  expect(summary.availableMicros).toBe(grantedMicros - chargedMicros);
  const charges = await db.selectFrom('ledger_transactions').select(['hold_id']).where('account_id', '=', accountId).where('kind', '=', 'charge').execute();
  expect(new Set(charges.map((charge) => charge.hold_id)).size).toBe(AFFORDABLE);
  expect(charges).toHaveLength(AFFORDABLE);
  await expectAuditClean(db);
}

describe('concurrent reservations', () => {
  test('300 at once on a wallet for 50: exactly 50 win, then 50 concurrent posts charge exactly', async () => {
    const db = fixture.handle.db;
    const accountId = await fixture.newAccount();
    const nowMs = Date.now();
    const grantedMicros = await fundWallet(db, accountId, nowMs);
    const holds = await raceReservations([db], accountId, nowMs);
    const chargedMicros = await postAllAtOnce([db], holds, nowMs);
    await expectSettled(accountId, grantedMicros, chargedMicros, nowMs);
  }, 60_000);

  // Two gateway processes share one Postgres: the wallet row lock must hold across pools too.
  // (SQLite allows one replica only, so there is no second process to model there.)
  test.skipIf(TEST_DB_KIND !== 'postgres')('the same race split between two database handles', async () => {
    const handles = openMoreHandles(fixture, 2);
    try {
      const dbs = handles.map((handle) => handle.db);
      const accountId = await fixture.newAccount();
      const nowMs = Date.now();
      const grantedMicros = await fundWallet(dbs[0]!, accountId, nowMs);
      const holds = await raceReservations(dbs, accountId, nowMs);
      const chargedMicros = await postAllAtOnce(dbs, holds, nowMs);
      await expectSettled(accountId, grantedMicros, chargedMicros, nowMs);
    } finally {
      await Promise.all(handles.map((handle) => handle.close()));
    }
  }, 60_000);
});

describe('concurrent settlements', () => {
  /** On Postgres the retries also come from a second process; SQLite has just the one. */
  function settlementHandles(): { dbs: Kysely<Database>[]; close: () => Promise<void> } {
    if (TEST_DB_KIND !== 'postgres') return { dbs: [fixture.handle.db], close: async () => {} };
    const more = openMoreHandles(fixture, 1);
    return { dbs: [fixture.handle.db, more[0]!.db], close: () => more[0]!.close() };
  }

  async function newHold(accountId: string, nowMs: number): Promise<ledger.Hold> {
    const db = fixture.handle.db;
    await ledger.grant(db, { accountId, kind: 'paid', amountMicros: 10_000n, expiresAtMs: null, source: 'admin', idempotencyKey: `g-${accountId}` }, nowMs);
    return ledger.reserve(db, { accountId, amountMicros: 4_000n, idempotencyKey: `h-${accountId}`, ttlMs: HOUR }, nowMs);
  }

  test('20 simultaneous replays of one post (same key) charge once', async () => {
    const { dbs, close } = settlementHandles();
    try {
      const accountId = await fixture.newAccount();
      const nowMs = Date.now();
      const hold = await newHold(accountId, nowMs);
      const input = { holdId: hold.id, amountMicros: 2_500n, idempotencyKey: `c-${accountId}` };
      const results = await Promise.all(Array.from({ length: 20 }, (_, index) => ledger.post(handleFor(dbs, index), input, nowMs)));
      expect(new Set(results.map((result) => result.transactionId)).size).toBe(1);
      expect(results.filter((result) => !result.replayed)).toHaveLength(1);
      for (const result of results) expect([result.chargedMicros, result.shortfallMicros]).toEqual([2_500n, 0n]);
      const charges = await fixture.handle.db.selectFrom('ledger_transactions').select('amount_micros').where('hold_id', '=', hold.id).execute();
      expect(charges.map((charge) => BigInt(charge.amount_micros))).toEqual([2_500n]);
      expect((await ledger.getWalletSummary(fixture.handle.db, accountId, nowMs)).balanceMicros).toBe(7_500n);
      await expectAuditClean(fixture.handle.db);
    } finally {
      await close();
    }
  }, 30_000);

  test('20 simultaneous posts of one hold with different keys: one charges, the rest are refused', async () => {
    const { dbs, close } = settlementHandles();
    try {
      const accountId = await fixture.newAccount();
      const nowMs = Date.now();
      const hold = await newHold(accountId, nowMs);
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, index) => ledger.post(handleFor(dbs, index), { holdId: hold.id, amountMicros: 1_000n + BigInt(index), idempotencyKey: `c-${accountId}-${index}` }, nowMs)),
      );
      const winners = fulfilled(results);
      expect(winners).toHaveLength(1);
      expect(countRejections(results)).toEqual({ '409 hold_not_pending': 19 });
      const summary = await ledger.getWalletSummary(fixture.handle.db, accountId, nowMs);
      expect(summary.balanceMicros).toBe(10_000n - winners[0]!.chargedMicros);
      expect(summary.reservedMicros).toBe(0n);
      await expectAuditClean(fixture.handle.db);
    } finally {
      await close();
    }
  }, 30_000);
});

describe('concurrent grants', () => {
  test('20 simultaneous first grants to a new account create one wallet holding them all', async () => {
    const db = fixture.handle.db;
    const accountId = await fixture.newAccount();
    const nowMs = Date.now();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        ledger.grant(db, { accountId, kind: index % 2 ? 'paid' : 'promo', amountMicros: 100n, expiresAtMs: null, source: 'admin', idempotencyKey: `g-${accountId}-${index % 10}` }, nowMs),
      ),
    );
    // Ten keys, each sent twice: ten grants, ten replays.
    expect(results.filter((result) => result.replayed)).toHaveLength(10);
    expect((await ledger.getWalletSummary(db, accountId, nowMs)).balanceMicros).toBe(1_000n);
    await expectAuditClean(db);
  }, 30_000);
});
