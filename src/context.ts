// What the routes need from the running process, built once in server.ts (or a test) and
// passed to each routes factory. Services never see it: routes hand them its parts.
import type { AuthFailureTracker } from './abuse/auth-failures';
import type { AlertDeliverer } from './alerts/deliverer';
import type { AlertWatcher } from './alerts/watcher';
import type { Config } from './config';
import type { Db, DbHandle } from './db';
import type { DeploymentRuntime } from './deployments/runtime';
import type { KeyCache } from './keys/auth';
import type { CreditMeter } from './ledger/service';
import type { StripeEventProcessor } from './payments/processor';
import type { UpstreamHealth } from './upstreams/health';
import type { AutoRefill } from './payments/refill-worker';
import type { QuotaService } from './quotas/service';
import type { ReceiptSender } from './receipts/sender';
import type Stripe from 'stripe';
import type { GatewayMetrics } from './metrics/metrics';
import type { RequestObserver } from './metrics/requests';

export interface AppContext {
  config: Config;
  handle: DbHandle;
  db: Db;
  keyCache: KeyCache;
  /** Reservations and batched settlement for gateway requests. */
  meter: CreditMeter;
  /** Plan quotas of plan-billed keys (Redis, or this process's counters). */
  quotas: QuotaService;
  /** Failed authentications per client address, and the addresses blocked for them. */
  authFailures: AuthFailureTracker;
  /** The Stripe API client, or null when STRIPE_SECRET_KEY is not set. */
  stripe: Stripe | null;
  /** Processes the Stripe webhook inbox. */
  stripeEvents: StripeEventProcessor;
  /** Mails pending receipts (a no-op without [smtp]). */
  receipts: ReceiptSender;
  /** Deployments: the gateway's view of the live ones, their hooks, what the biller needs. */
  deployments: DeploymentRuntime;
  /** Starts refills after charges (the meter's hook) and on the scheduler's pass. */
  autoRefill: AutoRefill;
  /** Raises low-balance and deployment-cost alerts after charges, and summaries on the scheduler's pass. */
  alertWatcher: AlertWatcher;
  /** Delivers alerts from their outbox (signed webhooks, email). */
  alertDeliverer: AlertDeliverer;
  /**
   * Called after charges commit (the meter's settlement batches, deployment hours): the accounts
   * whose balance went down. Fans out to what watches balances (auto-refill; issue 12's
   * low-balance alerts). Never throws, never waits.
   */
  noteCharged: (accountIds: string[]) => void;
  /** Each configured upstream's probes and circuit breaker: who is in the rotation (src/upstreams). */
  upstreamHealth: UpstreamHealth;
  /** Milliseconds since the epoch; tests may substitute a fixed clock. */
  now: () => number;
  /** What GET /metrics renders, counted as requests, charges and batches happen. */
  metrics: GatewayMetrics;
  /** Each request's line in the metrics and (with [logs] requests) the log. */
  observer: RequestObserver;
}
