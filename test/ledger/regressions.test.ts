// Regression tests for two ledger bugs the property and concurrency tests found (fixed in
// 6e4ab1e), kept as minimal, deterministic repros.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/db/schema';
import * as ledger from '../../src/ledger/service';
import { createLedgerFixture, type LedgerFixture } from './support';

let fixture: LedgerFixture;
beforeAll(async () => {
  fixture = await createLedgerFixture();
});
afterAll(() => fixture.close());

type SweepResult = Awaited<ReturnType<typeof ledger.sweep>>;

// The sweeper selects stale pending holds without a lock and releases them one by one; postHold
// accepts a hold past its expiry that is not yet released, so a late request can post a hold in
// between. The release used to throw 409 hold_not_pending and end the whole pass: later stale
// holds stayed pending and no expired credit was written off.
test('a hold posted while the sweeper runs is skipped and the pass completes', async () => {
  const db = fixture.handle.db;
  const nowMs = Date.now();
  const accountA = await fixture.newAccount();
  await ledger.grant(db, { accountId: accountA, kind: 'promo', amountMicros: 1_000n, expiresAtMs: nowMs + 1_000, source: 'trial', idempotencyKey: `t-${accountA}` }, nowMs);
  const late = await ledger.reserve(db, { accountId: accountA, amountMicros: 500n, idempotencyKey: `h-${accountA}`, ttlMs: 1_000 }, nowMs);
  const accountB = await fixture.newAccount();
  await ledger.grant(db, { accountId: accountB, kind: 'paid', amountMicros: 1_000n, expiresAtMs: null, source: 'admin', idempotencyKey: `p-${accountB}` }, nowMs);
  const abandoned = await ledger.reserve(db, { accountId: accountB, amountMicros: 700n, idempotencyKey: `h-${accountB}`, ttlMs: 1_000 }, nowMs);
  const laterMs = nowMs + 2_000;
  const post = { holdId: late.id, amountMicros: 400n, idempotencyKey: `c-${accountA}` };

  const swept = fixture.handle.kind === 'postgres' ? await sweepWhilePostCommits(db, post, laterMs) : await sweepThenPostQueued(db, post, laterMs);
  expect(swept.status).toBe('fulfilled');
  expect(swept.status === 'fulfilled' && swept.value.holdsExpired).toBe(1);

  const statuses = await db.selectFrom('holds').select(['id', 'status', 'posted_micros']).where('id', 'in', [late.id, abandoned.id]).execute();
  expect(Object.fromEntries(statuses.map((row) => [row.id, [row.status, row.posted_micros === null ? null : BigInt(row.posted_micros)]]))).toEqual({
    [late.id]: ['posted', 400n],
    [abandoned.id]: ['expired', null],
  });
  // The promo ran out at nowMs + 1 s: what the post left of it (1000 − 400) is written off.
  const expired = await db.selectFrom('ledger_transactions').select('amount_micros').where('account_id', '=', accountA).where('kind', '=', 'expire').execute();
  expect(expired.map((row) => BigInt(row.amount_micros))).toEqual([600n]);
  const report = await ledger.auditLedger(db);
  expect(report.problems).toEqual([]);
});

/** SQLite has one connection, taken in call order: the post's transaction runs between the sweeper's select and its releases. */
async function sweepThenPostQueued(db: Kysely<Database>, post: ledger.PostInput, nowMs: number): Promise<PromiseSettledResult<SweepResult>> {
  const [swept, posted] = await Promise.allSettled([ledger.sweep(db, nowMs), ledger.post(db, post, nowMs)]);
  expect(posted.status).toBe('fulfilled');
  return swept;
}

/** Postgres: the post holds the wallet lock, uncommitted, until the sweeper has selected the hold and waits for that lock. */
async function sweepWhilePostCommits(db: Kysely<Database>, post: ledger.PostInput, nowMs: number): Promise<PromiseSettledResult<SweepResult>> {
  // Wrapped in an object: returning the promise itself would make the transaction wait for the
  // sweep, which waits for the transaction's lock.
  const { sweeping } = await db.transaction().execute(async (trx) => {
    await ledger.postHold(trx, post, nowMs);
    const sweeping = Promise.allSettled([ledger.sweep(db, nowMs)]);
    await waitForLockWaiter(db);
    return { sweeping };
  });
  const [swept] = await sweeping;
  return swept!;
}

async function waitForLockWaiter(db: Kysely<Database>): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const waiting = await sql<{ count: bigint }>`
      SELECT count(*) AS count FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`.execute(db);
    if (BigInt(waiting.rows[0]!.count) > 0n) return;
    await Bun.sleep(10);
  }
  throw new Error('the sweeper never waited for the wallet lock');
}

// grantCredits used to check `expiresAtMs > nowMs` before looking up the idempotency key, so a
// retry of a grant that succeeded was refused with 400 once the grant's expiry had passed.
test('replaying a grant after its expiry passed is answered as a replay', async () => {
  const db = fixture.handle.db;
  const accountId = await fixture.newAccount();
  const nowMs = Date.now();
  const input: ledger.GrantInput = { accountId, kind: 'promo', amountMicros: 1_000n, expiresAtMs: nowMs + 1_000, source: 'coupon', idempotencyKey: `g-${accountId}` };
  const first = await ledger.grant(db, input, nowMs);
  const replay = await ledger.grant(db, input, nowMs + 1_000);
  expect(replay).toEqual({ ...first, replayed: true });
  const conflict = await ledger.grant(db, { ...input, amountMicros: 2_000n }, nowMs + 1_000).catch((error) => error);
  expect(conflict).toMatchObject({ status: 409, code: 'idempotency_conflict' });
  const fresh = await ledger.grant(db, { ...input, idempotencyKey: `other-${accountId}` }, nowMs + 1_000).catch((error) => error);
  expect(fresh).toMatchObject({ status: 400, code: 'invalid_request' });
});
