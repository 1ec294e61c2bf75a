// The circuit breaker and probe state of src/upstreams/health.ts, on a clock the test moves.
import { describe, expect, test } from 'bun:test';
import { UpstreamHealth } from '../../src/upstreams/health';

const SETTINGS = { probeIntervalSeconds: 10, probeTimeoutSeconds: 5, failuresToOpen: 3, openSeconds: 30 };

function healthAt() {
  const clock = { nowMs: 1_000_000 };
  return { clock, health: new UpstreamHealth(() => SETTINGS, () => clock.nowMs) };
}

describe('circuit breaker', () => {
  test('opens on the Nth consecutive failure, not before; a success in between starts the count again', () => {
    const { health } = healthAt();
    health.noteOutcome('a', false);
    health.noteOutcome('a', false);
    health.noteOutcome('a', true);
    health.noteOutcome('a', false);
    health.noteOutcome('a', false);
    expect(health.isAvailable('a')).toBe(true);
    expect(health.statusOf('a')).toMatchObject({ breaker: 'closed', consecutiveFailures: 2, up: true });
    health.noteOutcome('a', false);
    expect(health.isAvailable('a')).toBe(false);
    expect(health.statusOf('a')).toMatchObject({ breaker: 'open', consecutiveFailures: 3, up: false });
    expect(health.isAvailable('b')).toBe(true); // per upstream
  });

  test('half-opens after open_seconds: one trial at a time; its failure reopens, its success closes', () => {
    const { clock, health } = healthAt();
    for (let index = 0; index < 3; index++) health.noteOutcome('a', false);
    clock.nowMs += 29_999;
    expect(health.isAvailable('a')).toBe(false);
    clock.nowMs += 1;
    expect(health.statusOf('a').breaker).toBe('half_open');
    expect(health.isAvailable('a')).toBe(true);
    health.noteAttempt('a');
    expect(health.isAvailable('a')).toBe(false); // the trial is in flight
    health.noteOutcome('a', false);
    expect(health.statusOf('a').breaker).toBe('open'); // one failed trial is enough
    clock.nowMs += 30_000;
    health.noteAttempt('a');
    health.noteOutcome('a', true);
    expect(health.statusOf('a')).toMatchObject({ breaker: 'closed', consecutiveFailures: 0, up: true });
    expect(health.isAvailable('a')).toBe(true);
  });

  test('a trial that never reports stops blocking after open_seconds', () => {
    const { clock, health } = healthAt();
    for (let index = 0; index < 3; index++) health.noteOutcome('a', false);
    clock.nowMs += 30_000;
    health.noteAttempt('a');
    expect(health.isAvailable('a')).toBe(false);
    clock.nowMs += 30_000;
    expect(health.isAvailable('a')).toBe(true);
  });
});

describe('probes', () => {
  test('a failed probe takes the upstream out until a probe succeeds; unknown counts as up', () => {
    const { health } = healthAt();
    expect(health.statusOf('a')).toMatchObject({ probe: 'unknown', up: true });
    health.noteProbe('a', false, 'GET /v1/models answered 500');
    expect(health.isAvailable('a')).toBe(false);
    expect(health.statusOf('a')).toMatchObject({ probe: 'down', probeError: 'GET /v1/models answered 500', up: false, probedAtMs: 1_000_000 });
    health.noteProbe('a', true, null);
    expect(health.isAvailable('a')).toBe(true);
    expect(health.statusOf('a')).toMatchObject({ probe: 'up', probeError: null, up: true });
  });

  test('keepOnly forgets upstreams no longer configured', () => {
    const { health } = healthAt();
    health.noteProbe('gone', false, 'x');
    health.keepOnly(['other']);
    expect(health.statusOf('gone').probe).toBe('unknown');
  });
});
