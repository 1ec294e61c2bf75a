// Model-based property test of the ledger: random sequences of grants, reservations, posts
// (with replays and conflicts), voids, clock advances and sweeps on a fresh account per run,
// checked step by step against the reference model in ledger-model.ts and the auditor.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import fc from 'fast-check';
import * as ledger from '../../src/ledger/service';
import { LedgerModel } from './ledger-model';
import { expectAccountBooksBalance, expectAuditClean, expectDatabaseMatchesModel } from './model-checks';
import { coveringExample, GRANT_LIFE_MAX_MS, HOLD_TTL_MAX_MS, opArbitrary } from './property-ops';
import type { Run } from './property-run';
import { runOp } from './property-steps';
import { createLedgerFixture, type LedgerFixture } from './support';

let fixture: LedgerFixture;
beforeAll(async () => {
  fixture = await createLedgerFixture();
});
afterAll(() => fixture.close());

/** The run's last sweep goes this far past its clock, so everything that can expire has. */
const SETTLE_AFTER_MS = Math.max(GRANT_LIFE_MAX_MS, HOLD_TTL_MAX_MS) + 1;
const AUDIT_EVERY_STEPS = 10;

// One simulated clock for the whole file. Each run starts after the previous run settled, so a
// sweep only ever finds this run's account due and its counts can be compared exactly.
let clockMs = Date.UTC(2030, 0, 1);
/** Outcomes seen over all runs: the test fails if a kind of case never came up. */
const seen = new Map<string, number>();
const EXPECTED_OUTCOMES = [
  'grant replayed',
  'grant conflict',
  'grant replayed after its expiry',
  'reserve',
  'reserve across grants',
  'promo before paid at equal expiry',
  'reserve refused',
  'reserve replayed',
  'reserve conflict',
  'reserve wrote off',
  'post within hold',
  'post over hold, covered',
  'post over hold, shortfall',
  'post of a hold past its expiry',
  'post on an expired grant',
  'post replayed',
  'post idempotency_conflict',
  'post hold_not_pending',
  'void pending',
  'void posted',
  'void voided',
  'void expired',
  'sweep expired a hold',
  'sweep wrote off',
];

test('random ledger operations agree with the model and keep the books balanced', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(opArbitrary, { minLength: 1, maxLength: 40, size: 'max' }), async (ops) => {
      const run = await startRun();
      let settled = false;
      try {
        for (const [index, op] of ops.entries()) {
          await runOp(run, op);
          await expectDatabaseMatchesModel(run.db, run.accountId, run.model, run.nowMs);
          if (index % AUDIT_EVERY_STEPS === AUDIT_EVERY_STEPS - 1) await expectAuditClean(run.db);
        }
        await expectAccountBooksBalance(run.db, run.accountId, run.model);
        await expectAuditClean(run.db);
        await settleRun(run);
        settled = true;
      } finally {
        if (!settled) await ledger.sweep(run.db, run.nowMs + SETTLE_AFTER_MS).catch(() => undefined);
        clockMs = run.nowMs + SETTLE_AFTER_MS + 1;
      }
    }),
    { numRuns: Number(process.env.INFERPORT_PROPERTY_RUNS ?? 60), examples: [[coveringExample]] },
  );
  const missing = EXPECTED_OUTCOMES.filter((outcome) => !seen.has(outcome));
  expect(missing).toEqual([]);
}, Math.max(120_000, Number(process.env.INFERPORT_PROPERTY_RUNS ?? 0) * 2000));

async function startRun(): Promise<Run> {
  const accountId = await fixture.newAccount();
  const run: Run = { db: fixture.handle.db, accountId, model: new LedgerModel(), nowMs: clockMs, counter: 0, grants: [], posts: [], seen };
  await expectDatabaseMatchesModel(run.db, accountId, run.model, run.nowMs);
  return run;
}

/**
 * The final sweep: every hold has run out and every expiring grant has expired, so nothing is
 * pending, only never-expiring grants hold credit, and balance = granted − charged − expired.
 */
async function settleRun(run: Run): Promise<void> {
  run.nowMs += SETTLE_AFTER_MS;
  const expected = run.model.sweep(run.nowMs);
  expect(await ledger.sweep(run.db, run.nowMs)).toEqual(expected);
  await expectDatabaseMatchesModel(run.db, run.accountId, run.model, run.nowMs);
  await expectAccountBooksBalance(run.db, run.accountId, run.model);
  expect(run.model.holds.filter((hold) => hold.status === 'pending')).toEqual([]);
  for (const grant of run.model.grants) if (grant.expiresAtMs !== null) expect(grant.remainingMicros).toBe(0n);
  const summary = await ledger.getWalletSummary(run.db, run.accountId, run.nowMs);
  expect(summary.balanceMicros).toBe(run.model.grantedMicros - run.model.chargedMicros - run.model.expiredMicros);
}
