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
  | { type: 'post'; pick: number; over: boolean; permille: number; micros: number }
  | { type: 'replayPost'; pick: number; variant: 'same' | 'otherAmount' | 'otherHold' }
  | { type: 'void'; pick: number }
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

const grant = fc.record({
  type: fc.constant('grant' as const),
  kind: fc.constantFrom<GrantKind>('paid', 'promo'),
  amount: fc.oneof(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 5_000 })),
  expiresInMs: expiresIn,
});
const reserve = fc.record({
  type: fc.constant('reserve' as const),
  size: fc.constantFrom('fit' as const, 'fit' as const, 'over' as const, 'any' as const),
  permille: fc.integer({ min: 0, max: 1_000 }),
  micros: fc.integer({ min: 0, max: 6_000 }),
  ttlMs: fc.oneof(fc.constantFrom(MINUTE, 10 * MINUTE, HOUR), fc.integer({ min: 1, max: HOLD_TTL_MAX_MS })),
});
const post = fc.record({
  type: fc.constant('post' as const),
  pick,
  over: fc.constantFrom(false, false, false, true),
  permille: fc.integer({ min: 0, max: 1_000 }),
  micros: fc.integer({ min: 1, max: 3_000 }),
});

export const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: grant, weight: 4 },
  { arbitrary: fc.record({ type: fc.constant('replayGrant' as const), pick, sameBody: fc.boolean() }), weight: 1 },
  { arbitrary: reserve, weight: 6 },
  { arbitrary: fc.record({ type: fc.constant('replayReserve' as const), pick, sameAmount: fc.boolean() }), weight: 1 },
  { arbitrary: post, weight: 5 },
  { arbitrary: fc.record({ type: fc.constant('replayPost' as const), pick, variant: fc.constantFrom('same' as const, 'otherAmount' as const, 'otherHold' as const) }), weight: 2 },
  { arbitrary: fc.record({ type: fc.constant('void' as const), pick }), weight: 2 },
  {
    arbitrary: fc.record({ type: fc.constant('advance' as const), ms: fc.oneof(fc.constantFrom(MINUTE, 10 * MINUTE, HOUR), fc.integer({ min: 1, max: 90 * MINUTE })) }),
    weight: 3,
  },
  { arbitrary: fc.constant({ type: 'sweep' as const }), weight: 2 },
);
