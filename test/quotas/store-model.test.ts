// Model-based test of the two quota stores: random sequences of admissions (two accounts, with
// and without a key scope of its own), finishes (real use below, at or above the reservation),
// renewals and clock moves (across minutes, days and months), run against the in-process
// store, the Redis store and the reference (store-reference.ts) side by side. Each admission
// must be decided alike by all three, with the same counts, and reading every scope after each
// step must agree. A refusal must also be explainable (headers.ts finds the failed check).
import { afterAll, beforeAll, expect, test } from 'bun:test';
import fc from 'fast-check';
import { refusal } from '../../src/quotas/refusal';
import type { QuotaLimits } from '../../src/quotas/limits';
import { MemoryQuotaStore } from '../../src/quotas/memory-store';
import { RedisQuotaStore } from '../../src/quotas/redis-store';
import { keysOf, type QuotaScope } from '../../src/quotas/scopes';
import type { Admission, HeldTicket, QuotaStore } from '../../src/quotas/store';
import { windowsAt } from '../../src/quotas/windows';
import { randomToken } from '../../src/shared/ids';
import { TEST_REDIS_URL } from '../support/env';
import { ReferenceQuota } from './store-reference';
import { deleteRedisKeys } from './support';

const TICKET_TTL_MS = 90_000;
const PREFIX = `inferport-test:model:${randomToken(8)}:`;

let redis: RedisQuotaStore;
beforeAll(async () => {
  redis = new RedisQuotaStore({ url: TEST_REDIS_URL, commandTimeoutMs: 2000 });
  expect(await redis.ready()).toBe(true);
});
afterAll(async () => {
  await redis.close();
  await deleteRedisKeys(TEST_REDIS_URL, PREFIX);
});

const limit = (min: number, max: number) => fc.option(fc.integer({ min, max }), { nil: null, freq: 3 });
const limitsArbitrary: fc.Arbitrary<QuotaLimits> = fc.record({
  requestsPerMinute: limit(1, 6),
  tokensPerMinute: limit(10, 150),
  tokensPerDay: limit(10, 400),
  tokensPerMonth: limit(10, 800),
  concurrent: limit(1, 4),
});

type Op =
  | { kind: 'admit'; account: number; withKey: boolean; reserve: number }
  | { kind: 'finish'; pick: number; used: number }
  | { kind: 'renew'; pick: number }
  | { kind: 'advance'; ms: number };

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('admit' as const), account: fc.integer({ min: 0, max: 1 }), withKey: fc.boolean(), reserve: fc.integer({ min: 1, max: 60 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('finish' as const), pick: fc.nat(), used: fc.integer({ min: 0, max: 80 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('renew' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.constantFrom(1, 700, 20_000, 59_999, 60_000, 100_000, 3_600_000, 86_400_000, 20 * 86_400_000) }) },
);

interface Run {
  nowMs: number;
  scopes: QuotaScope[][];
  open: HeldTicket[];
  /** Each open ticket's reservation, for its finish's correction. */
  reserved: Map<string, number>;
  stores: QuotaStore[];
  reference: ReferenceQuota;
  seen: Set<string>;
}

/** One scope per account, and the key scope an admission may add. */
function scopesOf(run: Run, account: number, withKey: boolean): QuotaScope[] {
  return withKey ? run.scopes[account]! : run.scopes[account]!.slice(0, 1);
}

async function step(run: Run, op: Op, index: number): Promise<void> {
  if (op.kind === 'advance') {
    run.nowMs += op.ms;
    return;
  }
  if (op.kind === 'admit') {
    const scopes = scopesOf(run, op.account, op.withKey);
    const windows = windowsAt(run.nowMs);
    const admission: Admission = {
      ticketId: `t${index}`,
      scopes: scopes.map((scope) => ({ keys: keysOf(scope, windows), limits: scope.limits })),
      reserveTokens: op.reserve,
      nowMs: run.nowMs,
      ticketExpiresAtMs: run.nowMs + TICKET_TTL_MS,
      ttl: { minuteMs: windows.minuteEndMs - run.nowMs + 10_000, dayMs: windows.dayEndMs - run.nowMs + 10_000, monthMs: windows.monthEndMs - run.nowMs + 10_000, inFlightMs: TICKET_TTL_MS + 10_000 },
    };
    const outcomes = await Promise.all(run.stores.map((store) => store.admit(admission)));
    const expected = run.reference.admit(admission.ticketId, scopes, op.reserve, run.nowMs, admission.ticketExpiresAtMs);
    const counts = scopes.map((scope) => run.reference.counts(scope.base, run.nowMs));
    for (const outcome of outcomes) expect(outcome).toEqual({ admitted: expected, counts });
    if (expected) {
      run.open.push({ ticketId: admission.ticketId, scopes: admission.scopes.map((scope) => scope.keys) });
      run.reserved.set(admission.ticketId, op.reserve);
    }
    else run.seen.add(`refused: ${refusal(scopes, counts, op.reserve, windows, run.nowMs).code}`);
    run.seen.add(expected ? 'admitted' : 'refused');
    return;
  }
  if (run.open.length === 0) return;
  const ticket = run.open[op.pick % run.open.length]!;
  if (op.kind === 'renew') {
    await Promise.all(run.stores.map((store) => store.renew([ticket], run.nowMs, run.nowMs + TICKET_TTL_MS, TICKET_TTL_MS + 10_000)));
    run.reference.renew(ticket.ticketId, run.nowMs + TICKET_TTL_MS, run.nowMs);
    return;
  }
  run.open.splice(run.open.indexOf(ticket), 1);
  const reserved = run.reserved.get(ticket.ticketId)!;
  await Promise.all(run.stores.map((store) => store.finish(ticket, op.used - reserved)));
  run.reference.finish(ticket.ticketId, op.used);
  run.seen.add('finished');
}

/** Every scope of both accounts reads the same in each store as in the reference. */
async function expectSameReadings(run: Run): Promise<void> {
  const scopes = run.scopes.flat();
  const windows = windowsAt(run.nowMs);
  const expected = scopes.map((scope) => run.reference.counts(scope.base, run.nowMs));
  for (const store of run.stores) expect(await store.read(scopes.map((scope) => keysOf(scope, windows)), run.nowMs)).toEqual(expected);
}

// One clock for the file, moved on between runs; it starts a minute before a month ends.
let clockMs = Date.UTC(2031, 0, 31, 23, 59, 0);
const seen = new Set<string>();

test('random admissions, finishes, renewals and clock moves: both stores agree with the reference', async () => {
  await fc.assert(
    fc.asyncProperty(fc.tuple(limitsArbitrary, limitsArbitrary, limitsArbitrary, limitsArbitrary), fc.array(opArbitrary, { minLength: 1, maxLength: 40 }), async (limits, ops) => {
      const runId = randomToken(8);
      const scope = (name: string, scopeLimits: QuotaLimits): QuotaScope => ({ kind: 'account', model: null, base: `${PREFIX}{acct_${runId}_${name}}`, limits: scopeLimits });
      const run: Run = {
        nowMs: clockMs,
        // Account 1 and 2, each with the scope of one of its keys (limits drawn independently).
        scopes: [
          [scope('a', limits[0]), { ...scope('a', limits[1]), kind: 'key', base: `${PREFIX}{acct_${runId}_a}:k:1` }],
          [scope('b', limits[2]), { ...scope('b', limits[3]), kind: 'key', base: `${PREFIX}{acct_${runId}_b}:k:1` }],
        ],
        open: [],
        reserved: new Map(),
        stores: [new MemoryQuotaStore(), redis],
        reference: new ReferenceQuota(),
        seen,
      };
      for (const [index, op] of ops.entries()) {
        await step(run, op, index);
        await expectSameReadings(run);
      }
      clockMs = run.nowMs + 40 * 86_400_000;
    }),
    { numRuns: 150 },
  );
  // The runs reached every kind of outcome: admissions, finishes, and refusals of each code.
  expect([...seen].sort()).toEqual(['admitted', 'finished', 'refused', 'refused: quota_exceeded', 'refused: rate_limit_exceeded']);
});
