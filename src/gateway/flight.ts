// The state one generation request carries through its stages (reserve, forward, respond) and
// the settle paths. Types only: every stage imports this file and it imports none of them, so
// the gateway's files form no import cycle.
import type { PriceConfig, UpstreamConfig } from '../config';
import type { AppContext } from '../context';
import type { AuthenticatedKey } from '../keys/auth';
import type { Reservation } from '../ledger/meter';
import type { ResolvedPlan } from '../quotas/plans';
import type { QuotaTicket } from '../quotas/service';
import type { GenerationRequest } from './request';
import type { UpstreamPool } from '../upstreams/pool';

export interface GatewayDeps {
  context: AppContext;
  upstreams: UpstreamPool;
  /** Lifts Bun's idle timeout for this request: generation can be silent for minutes. */
  disableIdleTimeout: (request: Request) => void;
}

/** Per-request state shared by the stages and the settle paths. */
export interface Flight {
  id: string;
  requestId: string;
  key: AuthenticatedKey;
  request: GenerationRequest;
  /** The model's price, looked up once: what is reserved and what is charged use the same one. */
  price: PriceConfig;
  holdId: string | null;
  reservation: Reservation | null;
  /** The account's deployment of the model, its one upstream (gateway/deployment-route.ts); null: the configured upstreams. */
  deployment: UpstreamConfig | null;
  /** The plan that bounds a plan-billed key's request; null for credit-billed keys and deployment requests. */
  plan: ResolvedPlan | null;
  /** The plan request's admission, finished where the flight settles (settle.ts). */
  quota: QuotaTicket | null;
  startedAt: number;
  startedAtMs: number;
  upstream: string | null;
  /** The reservation (or quota ticket) was handed to the meter, settled or released (settle.ts sets it, once). */
  settled: boolean;
  /** A spend hold under the key's or member's caps (src/teams) was taken; dropped once the charge commits. */
  spendHeld: boolean;
}
