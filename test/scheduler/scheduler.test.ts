// The one scheduler of periodic work: jobs never overlap themselves, a failing job runs again,
// and stop() waits for the runs in progress.
import { describe, expect, test } from 'bun:test';
import { Scheduler } from '../../src/scheduler/scheduler';

describe('scheduler', () => {
  test('a job never overlaps itself; runNow while it runs is skipped', async () => {
    let release!: () => void;
    let runs = 0;
    const scheduler = new Scheduler([{ name: 'slow', intervalMs: 60_000, run: () => { runs += 1; return new Promise<void>((resolve) => (release = resolve)); } }], () => 0);
    const first = scheduler.runNow('slow');
    await scheduler.runNow('slow');
    expect(runs).toBe(1);
    release();
    await first;
    const second = scheduler.runNow('slow');
    release();
    await second;
    expect(runs).toBe(2);
  });

  test('a job that throws is logged and runs again on its interval', async () => {
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void errors.push(args);
    let runs = 0;
    const scheduler = new Scheduler([{ name: 'flaky', intervalMs: 5, run: async () => { runs += 1; throw new Error('boom'); } }], () => 0);
    try {
      scheduler.start();
      while (runs < 3) await Bun.sleep(5);
    } finally {
      await scheduler.stop();
      console.error = original;
    }
    expect(errors.length).toBeGreaterThanOrEqual(3);
    expect(String((errors[0] as unknown[])[0])).toContain('scheduled job flaky failed');
  });

  test('stop waits for the run in progress and nothing runs after it', async () => {
    let finished = false;
    let runs = 0;
    const scheduler = new Scheduler([{ name: 'work', intervalMs: 60_000, runAtStart: true, run: async () => { runs += 1; await Bun.sleep(20); finished = true; } }], () => 0);
    scheduler.start();
    await scheduler.stop();
    expect({ finished, runs }).toEqual({ finished: true, runs: 1 });
    await scheduler.runNow('work');
    expect(runs).toBe(1);
  });

  test('the clock it is given reaches the job; two jobs of one name are refused', async () => {
    const seen: number[] = [];
    const scheduler = new Scheduler([{ name: 'clock', intervalMs: 60_000, run: async (nowMs) => void seen.push(nowMs) }], () => 1234);
    await scheduler.runNow('clock');
    expect(seen).toEqual([1234]);
    expect(() => new Scheduler([{ name: 'a', intervalMs: 1, run: async () => {} }, { name: 'a', intervalMs: 1, run: async () => {} }], () => 0)).toThrow('two jobs share a name');
  });
});
