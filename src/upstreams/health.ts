// What this process knows of each configured upstream's health, by name: the last probe of its
// GET /v1/models (probe.ts) and a circuit breaker fed by real requests (gateway/forward.ts). An
// upstream is in the rotation while its last probe did not fail and its breaker lets requests
// through. Per process on purpose: replicas probe on their own, and a breaker reacts to what this
// process saw, within one request of it.
import type { Config } from '../config';

export type BreakerState = 'closed' | 'open' | 'half_open';
export type ProbeState = 'unknown' | 'up' | 'down';

interface Entry {
  probe: ProbeState;
  probeError: string | null;
  probedAtMs: number | null;
  consecutiveFailures: number;
  /** When the breaker opened; null while it is closed. */
  openedAtMs: number | null;
  /** When the half-open breaker's one trial request left; null: no trial in flight. */
  trialAtMs: number | null;
}

export interface UpstreamStatus {
  probe: ProbeState;
  probeError: string | null;
  probedAtMs: number | null;
  breaker: BreakerState;
  consecutiveFailures: number;
  /** In the rotation now: probe not failed and breaker not open. */
  up: boolean;
}

export class UpstreamHealth {
  private readonly entries = new Map<string, Entry>();

  /** `settings` is read at each use, so that a reloaded config's breaker settings apply at once. */
  constructor(
    private readonly settings: () => Config['upstreamHealth'],
    private readonly now: () => number = Date.now,
  ) {}

  /** May a request go to this upstream now? A half-open breaker lets one trial through at a time. */
  isAvailable(name: string): boolean {
    const entry = this.entries.get(name);
    if (!entry) return true;
    if (entry.probe === 'down') return false;
    const breaker = this.breakerOf(entry);
    if (breaker === 'open') return false;
    return breaker === 'closed' || !this.trialInFlight(entry);
  }

  /** A request is about to be sent: in half-open, it is the trial. */
  noteAttempt(name: string): void {
    const entry = this.entries.get(name);
    if (entry && this.breakerOf(entry) === 'half_open') entry.trialAtMs = this.now();
  }

  /** A request's outcome: `ok` false when it could not connect, was reset, or got a 5xx. */
  noteOutcome(name: string, ok: boolean): void {
    const entry = this.entryOf(name);
    if (ok) {
      entry.consecutiveFailures = 0;
      entry.openedAtMs = null;
      entry.trialAtMs = null;
      return;
    }
    entry.consecutiveFailures += 1;
    // A failure while the breaker is open or half-open (the trial) opens it again, for a new cool-down.
    const tripped = entry.openedAtMs !== null;
    if (tripped || entry.consecutiveFailures >= this.settings().failuresToOpen) {
      entry.openedAtMs = this.now();
      entry.trialAtMs = null;
    }
  }

  noteProbe(name: string, ok: boolean, error: string | null): void {
    const entry = this.entryOf(name);
    entry.probe = ok ? 'up' : 'down';
    entry.probeError = ok ? null : error;
    entry.probedAtMs = this.now();
  }

  statusOf(name: string): UpstreamStatus {
    const entry = this.entries.get(name) ?? newEntry();
    const breaker = this.breakerOf(entry);
    return {
      probe: entry.probe,
      probeError: entry.probeError,
      probedAtMs: entry.probedAtMs,
      breaker,
      consecutiveFailures: entry.consecutiveFailures,
      up: entry.probe !== 'down' && breaker !== 'open',
    };
  }

  /** Forgets upstreams no longer configured (after a reload), so a name reused later starts afresh. */
  keepOnly(names: readonly string[]): void {
    for (const name of [...this.entries.keys()]) if (!names.includes(name)) this.entries.delete(name);
  }

  private breakerOf(entry: Entry): BreakerState {
    if (entry.openedAtMs === null) return 'closed';
    return this.now() - entry.openedAtMs < this.settings().openSeconds * 1000 ? 'open' : 'half_open';
  }

  /** A trial that never reported (its client left before an answer) stops blocking after open_seconds. */
  private trialInFlight(entry: Entry): boolean {
    return entry.trialAtMs !== null && this.now() - entry.trialAtMs < this.settings().openSeconds * 1000;
  }

  private entryOf(name: string): Entry {
    let entry = this.entries.get(name);
    if (!entry) this.entries.set(name, (entry = newEntry()));
    return entry;
  }
}

function newEntry(): Entry {
  return { probe: 'unknown', probeError: null, probedAtMs: null, consecutiveFailures: 0, openedAtMs: null, trialAtMs: null };
}
