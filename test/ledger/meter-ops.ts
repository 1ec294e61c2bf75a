// The commands the meter's model test draws, and their generators. Amounts are drawn as
// fractions and indexes and resolved against the model when the command runs, so a shrunk
// sequence still means something.
import fc from 'fast-check';
import type { GrantKind } from '../../src/ledger/service';

export const RULES = { leaseTtlMs: 60_000, idleCloseMs: 10_000, growthFactor: 3n };
/** Longest a grant lives; the run's final sweep goes past it and past every lease. */
export const GRANT_LIFE_MAX_MS = 300_000;

export type SettleMode = 'below' | 'exact' | 'above' | 'zero' | 'release' | 'record';
export interface Ask {
  permille: number;
  micros: number;
}
export interface SettleChoice {
  pick: number;
  mode: SettleMode;
  permille: number;
  micros: number;
}

export type MeterCommand =
  | { type: 'grant'; kind: GrantKind; micros: number; expiresInMs: number | null }
  /** Reservations asked of one process at once (a burst of requests). */
  | { type: 'reserve'; process: number; asks: Ask[] }
  /** Settlements issued at once on one process, then awaited: they commit in batches. */
  | { type: 'settle'; process: number; items: SettleChoice[] }
  /** Time passes; with `tick` both processes run their housekeeping, without it they stalled. */
  | { type: 'advance'; ms: number; tick: boolean }
  | { type: 'sweep' }
  /** Both processes stall past their leases' time, and the sweeper runs meanwhile. */
  | { type: 'stall'; ms: number }
  /** The process settles `acknowledged` requests, then dies with the rest enqueued. */
  | { type: 'crash'; process: number; acknowledged: number }
  /** Graceful shutdown after releasing what is in flight; a new process takes its place. */
  | { type: 'close'; process: number };

const process = fc.constantFrom(0, 1);
const ask = fc.record({
  // Mostly small against what the process could get, sometimes all of it or more.
  permille: fc.oneof({ arbitrary: fc.integer({ min: 0, max: 200 }), weight: 4 }, { arbitrary: fc.integer({ min: 0, max: 1_100 }), weight: 1 }),
  micros: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 400 })),
});
const settleChoice = fc.record({
  pick: fc.nat({ max: 100 }),
  mode: fc.constantFrom<SettleMode>('below', 'below', 'exact', 'above', 'above', 'zero', 'release', 'release', 'record'),
  permille: fc.integer({ min: 0, max: 1_000 }),
  micros: fc.oneof(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 3_000 })),
});

const grant = fc.record({
  type: fc.constant('grant' as const),
  kind: fc.constantFrom<GrantKind>('paid', 'promo'),
  micros: fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 300, max: 5_000 })),
  expiresInMs: fc.oneof(fc.constant(null), fc.constantFrom(20_000, 60_000), fc.integer({ min: 1, max: GRANT_LIFE_MAX_MS })),
});

const commandArbitrary: fc.Arbitrary<MeterCommand> = fc.oneof(
  { arbitrary: grant, weight: 3 },
  { arbitrary: fc.record({ type: fc.constant('reserve' as const), process, asks: fc.array(ask, { minLength: 1, maxLength: 3 }) }), weight: 7 },
  { arbitrary: fc.record({ type: fc.constant('settle' as const), process, items: fc.array(settleChoice, { minLength: 1, maxLength: 4 }) }), weight: 6 },
  {
    arbitrary: fc.record({
      type: fc.constant('advance' as const),
      ms: fc.oneof(fc.constantFrom(1_000, 11_000, 31_000, 61_000), fc.integer({ min: 1, max: 70_000 })),
      tick: fc.boolean(),
    }),
    weight: 4,
  },
  { arbitrary: fc.constant({ type: 'sweep' as const }), weight: 3 },
  { arbitrary: fc.record({ type: fc.constant('stall' as const), ms: fc.integer({ min: RULES.leaseTtlMs / 2, max: RULES.leaseTtlMs + 10_000 }) }), weight: 1 },
  { arbitrary: fc.record({ type: fc.constant('crash' as const), process, acknowledged: fc.nat({ max: 2 }) }), weight: 1 },
  { arbitrary: fc.record({ type: fc.constant('close' as const), process }), weight: 1 },
);

/** A run: the wallet is funded first (a run on an empty wallet tests little), then anything. */
export const runArbitrary: fc.Arbitrary<MeterCommand[]> = fc
  .tuple(fc.array(grant, { minLength: 1, maxLength: 3 }), fc.array(commandArbitrary, { minLength: 1, maxLength: 24, size: 'max' }))
  .map(([grants, commands]) => [...grants, ...commands]);

const reserve = (proc: number, ...asks: [number, number][]): MeterCommand => ({ type: 'reserve', process: proc, asks: asks.map(([permille, micros]) => ({ permille, micros })) });
const settle = (proc: number, ...items: [SettleMode, number, number][]): MeterCommand => ({
  type: 'settle',
  process: proc,
  items: items.map(([mode, permille, micros]) => ({ pick: 0, mode, permille, micros })),
});

/**
 * A hand-written sequence fast-check runs first, so every rule is exercised on every run: lease
 * opening, carving and growth, a burst waiting on a growth, charges below, at and above the
 * reservation (covered and capped), batches, a second process served by asking the first for its
 * lease back (closed when idle, shrunk when busy), a crashed process's lease waited out, tight
 * leases given back when idle, a refusal after asking leases back, idle give-back, a busy lease extended, a stalled process whose lease the sweeper
 * expired (its batch falls back, short), a crash with settlements enqueued, and expiring grants.
 */
export const coveringExample: MeterCommand[] = [
  { type: 'grant', kind: 'promo', micros: 1_000, expiresInMs: 20_000 },
  { type: 'grant', kind: 'paid', micros: 3_000, expiresInMs: null },
  reserve(0, [0, 100], [0, 100], [0, 900]),
  reserve(0, [0, 50]),
  settle(0, ['below', 500, 0], ['exact', 0, 0], ['above', 0, 40], ['record', 0, 0]),
  reserve(1, [1_000, 0]),
  reserve(1, [0, 1]),
  settle(0, ['above', 0, 3_000]),
  { type: 'advance', ms: 11_000, tick: true },
  { type: 'grant', kind: 'paid', micros: 2_000, expiresInMs: null },
  reserve(1, [0, 300]),
  reserve(1, [0, 100]),
  { type: 'grant', kind: 'promo', micros: 300, expiresInMs: 20_000 },
  { type: 'advance', ms: 40_000, tick: true },
  reserve(0, [0, 50]),
  settle(1, ['zero', 0, 0]),
  { type: 'advance', ms: 61_000, tick: false },
  { type: 'sweep' },
  settle(0, ['exact', 0, 0]),
  reserve(1, [0, 1]),
  reserve(1, [1_000, 0]),
  settle(1, ['exact', 0, 0], ['above', 0, 5_000], ['release', 0, 0]),
  { type: 'grant', kind: 'paid', micros: 2_000, expiresInMs: null },
  reserve(0, [0, 200], [0, 300]),
  { type: 'crash', process: 0, acknowledged: 1 },
  reserve(0, [1_000, 0]),
  { type: 'advance', ms: 61_000, tick: true },
  { type: 'sweep' },
  reserve(0, [1_000, 0]),
  { type: 'close', process: 0 },
  reserve(1, [0, 100_000], [0, 100_000]),
  { type: 'crash', process: 1, acknowledged: 2 },
  { type: 'grant', kind: 'promo', micros: 100, expiresInMs: 1_000 },
  { type: 'advance', ms: 2_000, tick: true },
  { type: 'sweep' },
  // Shrink-on-demand: process 1 asks for more than is free while process 0 holds an idle lease
  // with headroom (closed when asked), then process 0 asks while process 1's tight lease is all
  // in flight (shrunk to what its request holds, still short: refused).
  { type: 'grant', kind: 'paid', micros: 3_000, expiresInMs: null },
  reserve(0, [100, 0]),
  settle(0, ['exact', 0, 0]),
  reserve(1, [1_000, 500]),
  reserve(0, [0, 1]),
  settle(1, ['exact', 0, 0]),
  // A lease with headroom given back at shutdown; then one of a crashed process, asked in vain
  // until the meter's wait is over.
  reserve(0, [0, 50]),
  settle(0, ['exact', 0, 0]),
  { type: 'close', process: 0 },
  reserve(1, [100, 0], [0, 10]),
  { type: 'crash', process: 1, acknowledged: 1 },
  reserve(0, [1_000, 1]),
  reserve(1, [200, 0]),
  settle(1, ['below', 300, 0]),
  reserve(0, [0, 5]),
  { type: 'advance', ms: 31_000, tick: true },
];
