// Allocation math (src/ledger/allocate.ts): which grants a reservation is held against, and
// which grants a charge draws from. Pure, so each rule is checked on its own; fast-check checks
// that no input creates or loses a micro-credit.
import { describe, expect, test } from 'bun:test';
import fc from 'fast-check';
import { drawFromAllocations, mergeAllocations, takeUnreserved } from '../../src/ledger/allocate';
import type { Allocation, Grant } from '../../src/ledger/model';

const grant = (id: string, remainingMicros: bigint, reservedMicros = 0n): Grant => ({
  id,
  accountId: 'acct',
  kind: 'paid',
  source: 'admin',
  amountMicros: remainingMicros,
  remainingMicros,
  reservedMicros,
  expiresAtMs: null,
  createdAtMs: 0,
});
const sum = (allocations: Allocation[]) => allocations.reduce((total, allocation) => total + allocation.micros, 0n);

describe('takeUnreserved', () => {
  test('takes in the given order, only what is not reserved, and stops when covered', () => {
    const live = [grant('a', 100n, 60n), grant('b', 50n), grant('c', 500n)];
    expect(takeUnreserved(live, 70n)).toEqual({ allocations: [{ grantId: 'a', micros: 40n }, { grantId: 'b', micros: 30n }], takenMicros: 70n });
  });

  test('skips fully reserved grants and reports a shortfall as less taken', () => {
    const live = [grant('a', 100n, 100n), grant('b', 30n)];
    expect(takeUnreserved(live, 50n)).toEqual({ allocations: [{ grantId: 'b', micros: 30n }], takenMicros: 30n });
  });

  test('takes nothing for nothing', () => {
    expect(takeUnreserved([grant('a', 100n)], 0n)).toEqual({ allocations: [], takenMicros: 0n });
  });
});

describe('drawFromAllocations', () => {
  const held: Allocation[] = [{ grantId: 'a', micros: 40n }, { grantId: 'b', micros: 30n }];

  test('draws in order and returns what is left of each allocation', () => {
    expect(drawFromAllocations(held, 50n)).toEqual({ draws: [{ grantId: 'a', micros: 40n }, { grantId: 'b', micros: 10n }], rest: [{ grantId: 'b', micros: 20n }], shortMicros: 0n });
  });

  test('drawing nothing leaves every allocation whole', () => {
    expect(drawFromAllocations(held, 0n)).toEqual({ draws: [], rest: held, shortMicros: 0n });
  });

  test('drawing more than held says how much is short', () => {
    expect(drawFromAllocations(held, 100n)).toEqual({ draws: held, rest: [], shortMicros: 30n });
  });
});

describe('mergeAllocations', () => {
  test('adds the same grant together, appends new grants, and leaves its inputs alone', () => {
    const base: Allocation[] = [{ grantId: 'a', micros: 10n }];
    const extra: Allocation[] = [{ grantId: 'b', micros: 5n }, { grantId: 'a', micros: 3n }];
    expect(mergeAllocations(base, extra)).toEqual([{ grantId: 'a', micros: 13n }, { grantId: 'b', micros: 5n }]);
    expect(base).toEqual([{ grantId: 'a', micros: 10n }]);
  });
});

describe('no micro-credit is made or lost', () => {
  const micros = fc.bigInt({ min: 0n, max: 1_000_000n });
  const grants = fc.array(fc.tuple(micros, micros), { maxLength: 6 }).map((pairs) =>
    pairs.map(([a, b], index) => grant(`g${index}`, a > b ? a : b, a > b ? b : a)),
  );

  test('takeUnreserved takes min(amount, free credit), never more than a grant has free', () => {
    fc.assert(
      fc.property(grants, micros, (live, amount) => {
        const { allocations, takenMicros } = takeUnreserved(live, amount);
        const free = live.reduce((total, item) => total + item.remainingMicros - item.reservedMicros, 0n);
        expect(takenMicros).toBe(amount < free ? amount : free);
        expect(sum(allocations)).toBe(takenMicros);
        for (const allocation of allocations) {
          const from = live.find((item) => item.id === allocation.grantId)!;
          expect(allocation.micros > 0n && allocation.micros <= from.remainingMicros - from.reservedMicros).toBe(true);
        }
      }),
    );
  });

  test('draws + rest + short = what was held + what was asked beyond it', () => {
    fc.assert(
      fc.property(grants, micros, (live, amount) => {
        const { allocations } = takeUnreserved(live, 2_000_000n);
        const { draws, rest, shortMicros } = drawFromAllocations(allocations, amount);
        expect(sum(draws) + shortMicros).toBe(amount);
        expect(sum(draws) + sum(rest)).toBe(sum(allocations));
        expect(sum(mergeAllocations(draws, rest))).toBe(sum(allocations));
      }),
    );
  });
});
