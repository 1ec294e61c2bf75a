// One media request's state through its stages (open, reserve, forward, settle), the media twin
// of the gateway's Flight: its cost is counted in images and seconds, not tokens. Types only.
import type { PriceConfig, UpstreamConfig } from '../config';
import type { AuthenticatedKey } from '../keys/auth';
import type { Reservation } from '../ledger/meter';
import type { ResolvedPlan } from '../quotas/plans';
import type { QuotaTicket } from '../quotas/service';

export type MediaEndpoint = 'images.generations' | 'audio.speech' | 'audio.transcriptions';

export const MEDIA_PATHS: Record<MediaEndpoint, string> = {
  'images.generations': '/v1/images/generations',
  'audio.speech': '/v1/audio/speech',
  'audio.transcriptions': '/v1/audio/transcriptions',
};

export interface MediaFlight {
  id: string;
  requestId: string;
  key: AuthenticatedKey;
  endpoint: MediaEndpoint;
  model: string;
  price: PriceConfig;
  /** The account's deployment of the model (paid by its hours: nothing reserved), or null. */
  deployment: UpstreamConfig | null;
  /** The plan of a plan-billed key: its request counts against the plan's requests and concurrency. */
  plan: ResolvedPlan | null;
  quota: QuotaTicket | null;
  reservation: Reservation | null;
  startedAt: number;
  startedAtMs: number;
  upstream: string | null;
  /** Settled or released, once (billing.ts sets it). */
  settled: boolean;
}

/** What a media answer costs: its units (images, or milliseconds of audio) and their price. */
export interface MediaCharge {
  costMicros: bigint;
  /** For the ledger memo and logs: "2 images", "2.500 s of audio". */
  units: string;
  /** Seconds of audio charged for, as the answer's x-inferport-audio-seconds says them; null for images. */
  audioSeconds: string | null;
  /** Not measured: estimated (speech in a format inferport cannot measure, a cue's end). */
  estimated: boolean;
}
