// Model-based ledger test with scheduled interleavings (issue 14): where test/ledger/property.test.ts
// runs one operation at a time, here several run at once on one account and fast-check's scheduler
// picks the order they start in: reservations racing each other and their own replays, grants and
// their replays, then posts, replays, conflicting posts, voids and the sweeper racing for the same
// holds. Whatever the order, every outcome must be one a serial order allows (a success, or
// insufficient_credits / idempotency_conflict / hold_not_pending; never a deadlock or a 500), each
// hold ends once (posted or released, never both), and the books hold: balance = granted - charged,
// nothing reserved after the sweep, the auditor clean. 40 runs here; INFERPORT_LONG_FAULTS=1: 2000.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import fc from 'fast-check';
import { ApiError } from '../../src/errors';
import * as ledger from '../../src/ledger/service';
import { ledgerProblems } from '../support/audit';
import { TEST_DB_KIND } from '../support/env';
import { createLedgerFixture, type LedgerFixture } from '../ledger/support';
import { LONG_FAULTS, reportFaults } from './report';

const RUNS = Number(process.env.INFERPORT_INTERLEAVING_RUNS ?? (LONG_FAULTS ? 2000 : 40));
const HOLD_TTL_MS = 60_000;
const ALLOWED = new Set(['insufficient_credits', 'idempotency_conflict', 'hold_not_pending']);

type Phase1 = { type: 'reserve'; slot: number; amount: number } | { type: 'grant'; slot: number; amount: number };
type Phase2 = { type: 'post'; slot: number; key: number; amount: number } | { type: 'void'; slot: number } | { type: 'sweep' };

const SLOTS = 4;
const slot = fc.integer({ min: 0, max: SLOTS - 1 });
const phase1Arbitrary = fc.oneof(
  // Two reserves of one slot share an idempotency key: the same amount is a replay, another a conflict.
  fc.record({ type: fc.constant('reserve' as const), slot, amount: fc.constantFrom(0, 100, 250, 400, 900) }),
  fc.record({ type: fc.constant('grant' as const), slot, amount: fc.constantFrom(100, 500) }),
);
const phase2Arbitrary = fc.oneof(
  fc.record({ type: fc.constant('post' as const), slot, key: fc.integer({ min: 0, max: 1 }), amount: fc.constantFrom(0, 50, 250, 600) }),
  fc.record({ type: fc.constant('void' as const), slot }),
  fc.constant({ type: 'sweep' as const }),
);

let fixture: LedgerFixture;
let clockMs = Date.UTC(2032, 0, 1);
const counts = { runs: 0, operations: 0, refusals: 0, posted: 0, released: 0 };

beforeAll(async () => {
  fixture = await createLedgerFixture();
});
afterAll(() => fixture.close());

/** An expected refusal's code, or the unexpected error itself (the test then fails on it). */
type Outcome<T> = { ok: true; value: T } | { ok: false; code: string };

async function settled<T>(work: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    if (error instanceof ApiError && ALLOWED.has(error.code)) return { ok: false, code: error.code };
    throw error;
  }
}

test(`concurrent reservations, grants, posts, voids and sweeps in scheduled orders keep the books (${TEST_DB_KIND}, ${RUNS} runs)`, async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.scheduler(),
      fc.integer({ min: 0, max: 1500 }),
      fc.array(phase1Arbitrary, { minLength: 2, maxLength: 8 }),
      fc.array(phase2Arbitrary, { minLength: 2, maxLength: 8 }),
      async (scheduler, startMicros, phase1, phase2) => {
        const nowMs = (clockMs += 10 * HOLD_TTL_MS);
        const accountId = await fixture.newAccount();
        const db = fixture.handle.db;
        let grantedMicros = 0n;
        if (startMicros > 0) {
          await ledger.grant(db, { accountId, kind: 'paid', amountMicros: BigInt(startMicros), expiresAtMs: null, source: 'faults', idempotencyKey: `start:${accountId}` }, nowMs);
          grantedMicros += BigInt(startMicros);
        }

        // Phase 1: reservations and grants, started in the scheduler's order, running at once.
        const phase1Results = await Promise.all([
          ...phase1.map((op) =>
            scheduler.schedule(Promise.resolve(op.type), `${op.type} ${op.slot} ${op.amount}`).then((): Promise<Outcome<ledger.Hold | ledger.GrantResult>> =>
              op.type === 'reserve'
                ? settled(() => ledger.reserve(db, { accountId, amountMicros: BigInt(op.amount), idempotencyKey: `hold:${accountId}:${op.slot}`, ttlMs: HOLD_TTL_MS }, nowMs))
                : settled(() => ledger.grant(db, { accountId, kind: 'promo', amountMicros: BigInt(op.amount), expiresAtMs: null, source: 'faults', idempotencyKey: `grant:${accountId}:${op.slot}:${op.amount}` }, nowMs)),
            ),
          ),
          scheduler.waitAll().then(() => null),
        ]);
        const holds = new Map<number, ledger.Hold>();
        const grantsApplied = new Map<string, bigint>();
        for (const [index, op] of phase1.entries()) {
          const result = phase1Results[index]!;
          counts.operations += 1;
          if (!result.ok) {
            counts.refusals += 1;
            // A grant is never refused; a reservation only for want of credit or a key reused with another amount.
            expect(op.type).toBe('reserve');
            continue;
          }
          if (op.type === 'reserve') {
            const hold = result.value as ledger.Hold;
            // Every success of one key is the same hold: replays never reserve twice.
            const earlier = holds.get(op.slot);
            if (earlier) expect(hold.id).toBe(earlier.id);
            holds.set(op.slot, hold);
          } else {
            grantsApplied.set(`${op.slot}:${op.amount}`, BigInt(op.amount));
          }
        }
        for (const amount of grantsApplied.values()) grantedMicros += amount;
        const reservedByHolds = [...holds.values()].reduce((sum, hold) => sum + hold.amountMicros, 0n);
        expect(reservedByHolds).toBeLessThanOrEqual(grantedMicros);

        // Phase 2: posts (two keys per hold: a replay or a rival), voids and a sweep past every TTL, at once.
        const phase2Results = await Promise.all([
          ...phase2.map((op) =>
            scheduler.schedule(Promise.resolve(op.type), JSON.stringify(op)).then(async () => {
              if (op.type === 'sweep') return { ok: true as const, value: await ledger.sweep(db, nowMs + HOLD_TTL_MS + 1) };
              const hold = holds.get(op.slot);
              if (!hold) return null;
              if (op.type === 'void') return settled(() => ledger.cancel(db, hold.id, nowMs));
              return settled(() => ledger.post(db, { holdId: hold.id, amountMicros: BigInt(op.amount), idempotencyKey: `post:${hold.id}:${op.key}` }, nowMs));
            }),
          ),
          scheduler.waitAll().then(() => null),
        ]);
        let chargedMicros = 0n;
        const winners = new Map<string, string>();
        for (const [index, op] of phase2.entries()) {
          const result = phase2Results[index];
          if (result === null || result === undefined) continue;
          counts.operations += 1;
          if (!result.ok) {
            counts.refusals += 1;
            continue;
          }
          if (op.type !== 'post') continue;
          const posted = result.value as ledger.PostResult;
          if (posted.replayed) continue;
          // One non-replayed post per hold, whatever raced it.
          const holdId = holds.get(op.slot)!.id;
          expect(winners.has(holdId)).toBe(false);
          winners.set(holdId, posted.transactionId);
          chargedMicros += posted.chargedMicros;
        }

        // Each hold ended once: posted exactly when a post won, else released (voided or expired).
        await ledger.sweep(db, nowMs + HOLD_TTL_MS + 1);
        const rows = await db.selectFrom('holds').select(['id', 'status']).where('account_id', '=', accountId).execute();
        for (const row of rows) expect(row.status).toBe(winners.has(row.id) ? 'posted' : row.status === 'voided' ? 'voided' : 'expired');
        counts.posted += winners.size;
        counts.released += rows.length - winners.size;
        const summary = await ledger.getWalletSummary(db, accountId, nowMs + HOLD_TTL_MS + 1);
        expect(summary.balanceMicros).toBe(grantedMicros - chargedMicros);
        expect(summary.availableMicros).toBe(summary.balanceMicros);
        expect(await ledgerProblems(db)).toEqual([]);
        counts.runs += 1;
      },
    ),
    { numRuns: RUNS },
  );
  expect(counts.posted).toBeGreaterThan(0);
  expect(counts.refusals).toBeGreaterThan(0);
  reportFaults('ledger-interleavings', { inputs_tried: counts.runs, operations: counts.operations, refusals: counts.refusals, holds_posted: counts.posted, holds_released: counts.released });
}, LONG_FAULTS ? 1_800_000 : 120_000);
