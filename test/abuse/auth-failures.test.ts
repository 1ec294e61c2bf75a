// The failure counter behind the address block (src/abuse/auth-failures.ts), at a scale the
// HTTP tests cannot reach: a flood of addresses never holds more than the bound in memory, and
// evicts stale counts before any block.
import { describe, expect, test } from 'bun:test';
import { AuthFailureTracker } from '../../src/abuse/auth-failures';

const T0 = Date.UTC(2030, 0, 1);
const limits = { failures: 3, windowMs: 60_000, blockMs: 300_000, addressesMax: 1000 };
const addressOf = (index: number) => `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`;

function block(tracker: AuthFailureTracker, address: string, nowMs: number): void {
  for (let failure = 0; failure < limits.failures; failure++) tracker.recordFailure(address, nowMs);
}

describe('AuthFailureTracker', () => {
  test('blocks at the limit for blockMs, and the block then lapses', () => {
    const tracker = new AuthFailureTracker(limits);
    tracker.recordFailure('a', T0);
    tracker.recordFailure('a', T0 + 1);
    expect(tracker.blockedForMs('a', T0 + 2)).toBe(0);
    tracker.recordFailure('a', T0 + 2);
    expect(tracker.blockedForMs('a', T0 + 2)).toBe(limits.blockMs);
    expect(tracker.blockedForMs('a', T0 + 2 + limits.blockMs - 1)).toBe(1);
    expect(tracker.blockedForMs('a', T0 + 2 + limits.blockMs)).toBe(0);
    expect(tracker.size).toBe(0);
  });

  test('a flood of 300 000 addresses keeps at most the bound, and the blocked ones stay blocked', () => {
    const tracker = new AuthFailureTracker(limits);
    const blocked = ['192.0.2.1', '192.0.2.2', '192.0.2.3'];
    for (const address of blocked) block(tracker, address, T0);
    let sizeMax = 0;
    for (let index = 0; index < 300_000; index++) {
      tracker.recordFailure(addressOf(index), T0 + 1000);
      sizeMax = Math.max(sizeMax, tracker.size);
    }
    expect(sizeMax).toBeLessThanOrEqual(2 * limits.addressesMax);
    for (const address of blocked) expect(tracker.blockedForMs(address, T0 + 1000)).toBeGreaterThan(0);
  });

  test('more blocked addresses than the bound push out the oldest blocks only', () => {
    const tracker = new AuthFailureTracker(limits);
    for (let index = 0; index < limits.addressesMax + 10; index++) block(tracker, addressOf(index), T0 + index);
    expect(tracker.size).toBe(limits.addressesMax);
    expect(tracker.blockedForMs(addressOf(0), T0 + 5000)).toBe(0);
    expect(tracker.blockedForMs(addressOf(limits.addressesMax + 9), T0 + 5000)).toBeGreaterThan(0);
  });

  test('counts whose window passed are dropped as new ones arrive, without a flood', () => {
    const tracker = new AuthFailureTracker(limits);
    for (let index = 0; index < 100; index++) tracker.recordFailure(addressOf(index), T0);
    expect(tracker.size).toBe(100);
    tracker.recordFailure('fresh', T0 + limits.windowMs);
    expect(tracker.size).toBe(1);
  });

  test('failures: 0 never blocks and keeps nothing', () => {
    const tracker = new AuthFailureTracker({ ...limits, failures: 0 });
    expect(tracker.enabled).toBe(false);
    for (let failure = 0; failure < 10; failure++) tracker.recordFailure('a', T0);
    expect(tracker.blockedForMs('a', T0)).toBe(0);
    expect(tracker.size).toBe(0);
  });
});
