// The operations the property test draws at random, and their generators. Amounts and targets
// are drawn as fractions and indexes and resolved against the model when the step runs, so a
// shrunk sequence still means something.
import fc from 'fast-check';
import type { GrantKind } from '../../src/ledger/service';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Longest a grant lives after it is made; the run's final sweep goes past it. */
export const GRANT_LIFE_MAX_MS = 3 * HOUR;
/** Longest a hold lives. */
export const HOLD_TTL_MAX_MS = 2 * HOUR;

export type Op =
  | { type: 'grant'; kind: GrantKind; amount: number; expiresInMs: number | null }
  | { type: 'replayGrant'; pick: number; sameBody: boolean }
  | { type: 'reserve'; size: 'fit' | 'over' | 'any'; permille: number; micros: number; ttlMs: number }
  | { type: 'replayReserve'; pick: number; sameAmount: boolean }
  | { type: 'post'; pick: number; pendingOnly: boolean; over: boolean; permille: number; micros: number }
  | { type: 'replayPost'; pick: number; variant: 'same' | 'otherAmount' | 'otherHold' }
  | { type: 'void'; pick: number; pendingOnly: boolean }
  | { type: 'advance'; ms: number }
  | { type: 'sweep' };

// Shared round numbers make equal expiries (promo before paid decides) and exact boundaries
// (expiry at exactly now) common instead of rare.
const expiresIn = fc.oneof(
  fc.constant(null),
  fc.constantFrom(MINUTE, 10 * MINUTE, HOUR),
  fc.integer({ min: 1, max: GRANT_LIFE_MAX_MS }),
);
const pick = fc.nat({ max: 1_000 });
/** Mostly aim at a pending hold; otherwise at any hold, settled ones included. */
const pendingOnly = fc.constantFrom(true, true, false);

const grant = fc.record({
  type: fc.constant('grant' as const),
  kind: fc.constantFrom<GrantKind>('paid', 'promo'),
  amount: fc.oneof(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 5_000 })),
  expiresInMs: expiresIn,
});
const reserve = fc.record({
  type: fc.constant('reserve' as const),
  size: fc.constantFrom('fit' as const, 'fit' as const, 'over' as const, 'any' as const),
  // Often most of what is available, so that reservations span several grants.
  permille: fc.oneof(fc.integer({ min: 0, max: 1_000 }), fc.integer({ min: 700, max: 1_000 }), fc.constant(1_000)),
  micros: fc.integer({ min: 0, max: 6_000 }),
  ttlMs: fc.oneof(fc.constantFrom(MINUTE, 10 * MINUTE, HOUR), fc.integer({ min: 1, max: HOLD_TTL_MAX_MS })),
});
const post = fc.record({
  type: fc.constant('post' as const),
  pick,
  pendingOnly,
  over: fc.constantFrom(false, false, false, true),
  permille: fc.integer({ min: 0, max: 1_000 }),
  micros: fc.integer({ min: 1, max: 3_000 }),
});

export const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: grant, weight: 5 },
  { arbitrary: fc.record({ type: fc.constant('replayGrant' as const), pick, sameBody: fc.boolean() }), weight: 1 },
  { arbitrary: reserve, weight: 6 },
  { arbitrary: fc.record({ type: fc.constant('replayReserve' as const), pick, sameAmount: fc.boolean() }), weight: 1 },
  { arbitrary: post, weight: 5 },
  { arbitrary: fc.record({ type: fc.constant('replayPost' as const), pick, variant: fc.constantFrom('same' as const, 'otherAmount' as const, 'otherHold' as const) }), weight: 3 },
  { arbitrary: fc.record({ type: fc.constant('void' as const), pick, pendingOnly }), weight: 2 },
  {
    arbitrary: fc.record({ type: fc.constant('advance' as const), ms: fc.oneof(fc.constantFrom(MINUTE, 10 * MINUTE, HOUR), fc.integer({ min: 1, max: 90 * MINUTE })) }),
    weight: 3,
  },
  { arbitrary: fc.constant({ type: 'sweep' as const }), weight: 2 },
);

/**
 * One hand-written sequence that fast-check runs before the random ones, so that every rule
 * is exercised on every run: equal expiries (promo first), replays and conflicts, posts over
 * the hold with and without a shortfall, posts after the hold's or a grant's expiry, write-offs
 * by a reservation and by the sweeper, and voids of every status.
 */
export const coveringExample: Op[] = [
  { type: 'grant', kind: 'paid', amount: 300, expiresInMs: HOUR },
  { type: 'grant', kind: 'promo', amount: 200, expiresInMs: HOUR },
  { type: 'grant', kind: 'paid', amount: 100, expiresInMs: null },
  { type: 'grant', kind: 'promo', amount: 100, expiresInMs: null },
  { type: 'replayGrant', pick: 0, sameBody: true },
  { type: 'replayGrant', pick: 1, sameBody: false },
  { type: 'reserve', size: 'fit', permille: 1_000, micros: 0, ttlMs: 10 * MINUTE },
  { type: 'reserve', size: 'any', permille: 0, micros: 1, ttlMs: MINUTE },
  { type: 'post', pick: 0, pendingOnly: true, over: false, permille: 500, micros: 1 },
  { type: 'replayPost', pick: 0, variant: 'same' },
  { type: 'replayPost', pick: 0, variant: 'otherAmount' },
  { type: 'post', pick: 0, pendingOnly: false, over: false, permille: 1_000, micros: 1 },
  { type: 'void', pick: 0, pendingOnly: false },
  { type: 'replayReserve', pick: 0, sameAmount: true },
  { type: 'replayReserve', pick: 0, sameAmount: false },
  { type: 'reserve', size: 'fit', permille: 500, micros: 0, ttlMs: HOLD_TTL_MAX_MS },
  { type: 'reserve', size: 'fit', permille: 1_000, micros: 0, ttlMs: MINUTE },
  { type: 'grant', kind: 'paid', amount: 1_000, expiresInMs: null },
  { type: 'reserve', size: 'fit', permille: 100, micros: 0, ttlMs: HOUR },
  { type: 'post', pick: 2, pendingOnly: true, over: true, permille: 0, micros: 50 },
  { type: 'reserve', size: 'fit', permille: 100, micros: 0, ttlMs: HOUR },
  { type: 'void', pick: 2, pendingOnly: true },
  { type: 'void', pick: 4, pendingOnly: false },
  { type: 'advance', ms: MINUTE },
  { type: 'post', pick: 1, pendingOnly: true, over: true, permille: 0, micros: 3_000 },
  { type: 'grant', kind: 'promo', amount: 50, expiresInMs: MINUTE },
  { type: 'advance', ms: HOUR },
  { type: 'replayGrant', pick: 0, sameBody: true },
  { type: 'reserve', size: 'fit', permille: 0, micros: 0, ttlMs: MINUTE },
  { type: 'post', pick: 0, pendingOnly: true, over: false, permille: 1_000, micros: 1 },
  { type: 'grant', kind: 'promo', amount: 30, expiresInMs: MINUTE },
  { type: 'advance', ms: MINUTE },
  { type: 'sweep' },
  { type: 'void', pick: 5, pendingOnly: false },
];
