import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import * as ledger from '../../src/ledger/service';
import { ApiError } from '../../src/errors';
import { createLedgerFixture, type LedgerFixture } from './support';
import { expectAuditClean } from '../support/audit';

let fixture: LedgerFixture;
beforeAll(async () => {
  fixture = await createLedgerFixture();
});
afterAll(() => fixture.close());

const HOUR = 3_600_000;

const expectAudited = () => expectAuditClean(fixture.handle.db);

describe('holds', () => {
  test('reserve, post less than reserved, the rest is released', async () => {
    const db = fixture.handle.db;
    const accountId = await fixture.newAccount();
    const now = Date.now();
    await ledger.grant(db, { accountId, kind: 'paid', amountMicros: 1_000_000n, expiresAtMs: null, source: 'admin', idempotencyKey: `g-${accountId}` }, now);
    const hold = await ledger.reserve(db, { accountId, amountMicros: 400_000n, idempotencyKey: `h-${accountId}`, ttlMs: HOUR }, now);
    let summary = await ledger.getWalletSummary(db, accountId, now);
    expect(summary.reservedMicros).toBe(400_000n);
    expect(summary.availableMicros).toBe(600_000n);
    const posted = await ledger.post(db, { holdId: hold.id, amountMicros: 150_000n, idempotencyKey: `c-${accountId}` }, now);
    expect(posted.chargedMicros).toBe(150_000n);
    summary = await ledger.getWalletSummary(db, accountId, now);
    expect(summary.balanceMicros).toBe(850_000n);
    expect(summary.reservedMicros).toBe(0n);
    expect(summary.availableMicros).toBe(850_000n);
    await expectAudited();
  });

  test('a replayed settlement changes nothing; the same key with another amount is refused', async () => {
    const db = fixture.handle.db;
    const accountId = await fixture.newAccount();
    const now = Date.now();
    await ledger.grant(db, { accountId, kind: 'paid', amountMicros: 1_000_000n, expiresAtMs: null, source: 'admin', idempotencyKey: `g-${accountId}` }, now);
    const hold = await ledger.reserve(db, { accountId, amountMicros: 500_000n, idempotencyKey: `h-${accountId}`, ttlMs: HOUR }, now);
    const first = await ledger.post(db, { holdId: hold.id, amountMicros: 200_000n, idempotencyKey: `c-${accountId}` }, now);
    const replay = await ledger.post(db, { holdId: hold.id, amountMicros: 200_000n, idempotencyKey: `c-${accountId}` }, now);
    expect(replay.replayed).toBe(true);
    expect(replay.transactionId).toBe(first.transactionId);
    expect((await ledger.getWalletSummary(db, accountId, now)).balanceMicros).toBe(800_000n);
    const conflict = await ledger.post(db, { holdId: hold.id, amountMicros: 300_000n, idempotencyKey: `c-${accountId}` }, now).catch((e) => e);
    expect(conflict).toBeInstanceOf(ApiError);
    expect((conflict as ApiError).code).toBe('idempotency_conflict');
    const second = await ledger.post(db, { holdId: hold.id, amountMicros: 200_000n, idempotencyKey: `other-${accountId}` }, now).catch((e) => e);
    expect((second as ApiError).code).toBe('hold_not_pending');
    expect((await ledger.getWalletSummary(db, accountId, now)).balanceMicros).toBe(800_000n);
    await expectAudited();
  });

  test('insufficient credits is refused with 402 and writes nothing', async () => {
    const db = fixture.handle.db;
    const accountId = await fixture.newAccount();
    const now = Date.now();
    await ledger.grant(db, { accountId, kind: 'promo', amountMicros: 100n, expiresAtMs: null, source: 'admin', idempotencyKey: `g-${accountId}` }, now);
    const error = await ledger.reserve(db, { accountId, amountMicros: 101n, idempotencyKey: `h-${accountId}`, ttlMs: HOUR }, now).catch((e) => e);
    expect((error as ApiError).status).toBe(402);
    expect((error as ApiError).code).toBe('insufficient_credits');
    const holds = await db.selectFrom('holds').select('id').where('account_id', '=', accountId).execute();
    expect(holds).toHaveLength(0);
    await expectAudited();
  });

  test('promo is spent before paid; expired promo is not spendable and is written off', async () => {
    const db = fixture.handle.db;
    const accountId = await fixture.newAccount();
    const now = Date.now();
    await ledger.grant(db, { accountId, kind: 'paid', amountMicros: 1_000n, expiresAtMs: null, source: 'admin', idempotencyKey: `p-${accountId}` }, now - 10);
    await ledger.grant(db, { accountId, kind: 'promo', amountMicros: 500n, expiresAtMs: null, source: 'admin', idempotencyKey: `q-${accountId}` }, now);
    await ledger.grant(db, { accountId, kind: 'promo', amountMicros: 300n, expiresAtMs: now + 1000, source: 'trial', idempotencyKey: `t-${accountId}` }, now);
    const hold = await ledger.reserve(db, { accountId, amountMicros: 600n, idempotencyKey: `h-${accountId}`, ttlMs: HOUR }, now);
    // Soonest-expiring first (the trial), then promo before paid.
    expect(hold.allocations.map((a) => a.micros)).toEqual([300n, 300n]);
    await ledger.post(db, { holdId: hold.id, amountMicros: 600n, idempotencyKey: `c-${accountId}` }, now);
    const grants = await db.selectFrom('grants').select(['kind', 'remaining_micros', 'amount_micros']).where('account_id', '=', accountId).orderBy('amount_micros').execute();
    expect(grants.map((g) => [g.kind, BigInt(g.remaining_micros)])).toEqual([['promo', 0n], ['promo', 200n], ['paid', 1_000n]]);

    const accountB = await fixture.newAccount();
    await ledger.grant(db, { accountId: accountB, kind: 'promo', amountMicros: 700n, expiresAtMs: now + 1000, source: 'trial', idempotencyKey: `t-${accountB}` }, now);
    const later = now + 2000;
    expect((await ledger.getWalletSummary(db, accountB, later)).availableMicros).toBe(0n);
    const refused = await ledger.reserve(db, { accountId: accountB, amountMicros: 1n, idempotencyKey: `h-${accountB}`, ttlMs: HOUR }, later).catch((e) => e);
    expect((refused as ApiError).code).toBe('insufficient_credits');
    // The refused reservation rolled back with everything it did; the sweeper writes off.
    await ledger.sweep(db, later);
    const expired = await db.selectFrom('ledger_transactions').select(['kind', 'amount_micros']).where('account_id', '=', accountB).where('kind', '=', 'expire').execute();
    expect(expired.map((row) => BigInt(row.amount_micros))).toEqual([700n]);
    await expectAudited();
  });

  test('the sweeper releases expired holds', async () => {
    const db = fixture.handle.db;
    const accountId = await fixture.newAccount();
    const now = Date.now();
    await ledger.grant(db, { accountId, kind: 'paid', amountMicros: 1_000n, expiresAtMs: null, source: 'admin', idempotencyKey: `g-${accountId}` }, now);
    const hold = await ledger.reserve(db, { accountId, amountMicros: 1_000n, idempotencyKey: `h-${accountId}`, ttlMs: 1000 }, now);
    await ledger.sweep(db, now + 5000);
    const row = await db.selectFrom('holds').select('status').where('id', '=', hold.id).executeTakeFirstOrThrow();
    expect(row.status).toBe('expired');
    expect((await ledger.getWalletSummary(db, accountId, now)).availableMicros).toBe(1_000n);
    await expectAudited();
  });
});
