// What a relayed stream learned and how it ended, as the relay (sse.ts), its watcher
// (stream-watch.ts) and the stream's settlement (stream-end.ts) share it. Types only, so that
// the relay and its watcher do not import each other.
import type { ApiError } from '../errors';
import type { TokenUsage } from './pricing';
import type { UpstreamError } from './upstream-errors';
import type { ChargedUsage } from './usage';

export type StreamEnd = 'done' | 'upstream_broken' | 'upstream_error' | 'client_gone';

export interface StreamTally {
  /** The upstream's last usable usage report. */
  usage: TokenUsage | null;
  /** Why the upstream's usage report was unusable, when one was. */
  usageProblem: string | null;
  /** Data events that carried generated output: one token each, for when no usage comes. */
  contentChunks: number;
  firstContentAtMs: number | null;
  /** The upstream's error event that ended the stream. */
  upstreamError: UpstreamError | null;
}

/** What the settlement charged: the usage, whether it was estimated, and the cost string (null for plan keys). */
export interface Settled extends ChargedUsage {
  cost: string | null;
  /** Why the charge could not be written (the database is unavailable): the stream must not end as complete. */
  unbilled?: ApiError | null;
}
