// Starts one inferport process: open the database, migrate, serve HTTP, shut down cleanly.
import { AuthFailureTracker } from './abuse/auth-failures';
import { AlertDeliverer } from './alerts/deliverer';
import { AlertWatcher } from './alerts/watcher';
import { buildApp } from './app';
import type { Config } from './config';
import type { AppContext } from './context';
import { Scheduler, type Job } from './scheduler/scheduler';
import { openDatabase } from './db';
import { billDeployments, DeploymentRuntime } from './deployments/service';
import { migrate } from './db/migrate';
import { KeyCache } from './keys/auth';
import * as ledger from './ledger/service';
import { CreditMeter } from './ledger/meter';
import type { StripeEventHandlers } from './payments/event-types';
import { STRIPE_EVENT_HANDLERS } from './payments/handlers';
import { StripeEventProcessor } from './payments/processor';
import { AutoRefill } from './payments/refill-worker';
import { submitRefundItems } from './payments/refund-submit';
import { createStripeClient } from './payments/stripe-client';
import { createMailer } from './mail/mailer';
import { createQuotaService } from './quotas/build';
import { ReceiptSender } from './receipts/sender';
import { drainServer, RequestsInFlight } from './shutdown';
import { hostname } from 'node:os';
import { log } from './logs/logger';
import { addSecrets } from './logs/redact';
import { GatewayMetrics } from './metrics/metrics';
import { RequestObserver } from './metrics/requests';
import { liveConfig, liveRecord } from './reload/live-record';
import { UpstreamHealth } from './upstreams/health';
import { probeUpstreams } from './upstreams/probe';
import { mediaCleanupJob } from './media/cleanup';

export interface RunningServer {
  url: string;
  context: AppContext;
  /** Drains (see shutdown.ts) and closes everything; `cutNow` ends the grace early. */
  stop: (cutNow?: AbortSignal) => Promise<void>;
}

export interface ContextOptions {
  /** The Stripe event handlers (tests wrap them to inject failures); the frozen map by default. */
  stripeEventHandlers?: StripeEventHandlers;
  /** The clock plan quotas count windows and tickets by (tests move it instead of sleeping). */
  quotaNow?: () => number;
}

export async function createContext(config: Config, options: ContextOptions = {}): Promise<AppContext> {
  const handle = openDatabase({ url: config.database.url, dataDir: config.server.dataDir });
  await migrate(handle);
  // Built below; the meter's hook and the clocks reach it through `context` once it exists.
  let context!: AppContext;
  // Secrets with no recognisable shape, blanked out of every log line (src/logs/redact.ts).
  addSecrets([config.adminToken, config.metrics.token, config.stripe.secretKey, config.stripe.webhookSecret, config.smtp?.password, ...config.upstreams.map((upstream) => upstream.apiKey)]);
  const metrics = new GatewayMetrics(config);
  // What a reload (src/reload) changes, for the parts below that keep the config they were given.
  const reloadable = liveConfig(() => context?.config ?? config);
  const meter = new CreditMeter(handle, {
    owner: `${hostname()}:${process.pid}`,
    leaseTtlMs: config.ledger.leaseTtlSeconds * 1000,
    idleCloseMs: config.ledger.leaseIdleSeconds * 1000,
    growthFactor: BigInt(config.ledger.leaseGrowthFactor),
    now: Date.now,
    // After a batch of charges commits: their accounts may have fallen below their threshold.
    onCharged: (accountIds) => context.noteCharged(accountIds),
    onBatch: (size, ms) => metrics.recordBatch(size, ms),
  });
  const keyCache = new KeyCache(config.cache.keyTtlMs);
  const { abuse } = config;
  const authFailures = new AuthFailureTracker({
    failures: abuse.authFailures,
    windowMs: abuse.authFailureWindowSeconds * 1000,
    blockMs: abuse.blockSeconds * 1000,
    addressesMax: abuse.trackedAddresses,
  });
  // One mailer for receipts and alerts; the receipt sender closes it, after the alert deliverer.
  const mailer = createMailer(config.smtp);
  const receipts = new ReceiptSender(handle.db, mailer, Date.now);
  // The app's clock (tests replace context.now), so that an event is handled on the clock it was stored by.
  const now = () => context.now();
  const stripeEvents = new StripeEventProcessor(handle.db, {
    config: reloadable,
    handlers: options.stripeEventHandlers ?? STRIPE_EVENT_HANDLERS,
    clearKeyCache: () => keyCache.clear(),
    sendReceipts: () => receipts.kick(),
    now,
  });
  const quotas = await createQuotaService(reloadable, options.quotaNow ?? Date.now);
  const stripe = createStripeClient(config.stripe);
  const autoRefill = new AutoRefill(handle.db, { config, stripe, now });
  const alertDeliverer = new AlertDeliverer(handle.db, config, mailer, now);
  const alertWatcher = new AlertWatcher(handle.db, { now, deliver: () => alertDeliverer.kick() });
  const noteCharged = (accountIds: string[]) => {
    autoRefill.noteCharged(accountIds);
    alertWatcher.noteCharged(accountIds);
  };
  const deployments = new DeploymentRuntime(
    handle.db,
    liveRecord(() => context.config.instanceTypes),
    (accountIds) => context.noteCharged(accountIds),
    () => alertDeliverer.kick(),
  );
  await deployments.routes.reload();
  const upstreamHealth = new UpstreamHealth(() => context.config.upstreamHealth, () => context.now());
  context = { config, handle, db: handle.db, keyCache, meter, quotas, authFailures, stripe, stripeEvents, receipts, deployments, autoRefill, alertWatcher, alertDeliverer, noteCharged, upstreamHealth, now: Date.now, metrics, observer: new RequestObserver(metrics, config.logs.requests) };
  return context;
}

/** Stops the alert checks and deliveries, before the mailer (closed with the receipts) and the pool. */
export async function closeAlerts(context: AppContext): Promise<void> {
  await context.alertWatcher.close();
  await context.alertDeliverer.close();
}

/** Start-up failed for a reason the operator can fix; the message says which. */
export class StartupError extends Error {}

export async function startServer(config: Config): Promise<RunningServer> {
  const context = await createContext(config);
  const requests = new RequestsInFlight();
  const app = buildApp(context, requests);
  try {
    app.listen({
      port: config.server.port,
      hostname: config.server.host,
      // Elysia asks for SO_REUSEPORT by default, which lets a second process bind a taken port
      // and take half of its connections. Shared ports are for the operator to ask for.
      reusePort: config.server.reusePort,
      // No limit at Bun's level: Bun answers a body over it with a bare 413, before the app sees
      // the request (Content-Length) or racing the app's reader (chunked). The app enforces
      // max_body_bytes itself (413 from the Content-Length before reading, a chunked body cut off
      // at the limit) and Bun drops what a handler leaves unread without buffering it.
      maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    });
  } catch (error) {
    await closeContext(context);
    throw listenError(config, error);
  }
  const server = app.server!;
  const url = `http://${server.hostname}:${server.port}`;
  const scheduler = new Scheduler(scheduledJobs(context), context.now);
  scheduler.start();
  return {
    url,
    context,
    stop: async (cutNow) => {
      // In-flight requests, streams included, finish (or are cut at the grace bound) and settle
      // before the meter writes what is queued and gives its leases back, then the pool closes.
      const { cut } = await drainServer(server, requests, config.server.shutdownGraceSeconds * 1000, cutNow);
      if (cut > 0) log.warn(`inferport: ${cut} request(s) still in flight were cut (shutdown_grace_seconds = ${config.server.shutdownGraceSeconds}); each is charged for what it had sent`);
      await scheduler.stop();
      await closeContext(context);
    },
  };
}

/** Settles what the meter has queued, gives its leases back and closes every service, the database last. */
export async function closeContext(context: AppContext): Promise<void> {
  await context.stripeEvents.close();
  await closeAlerts(context);
  await context.receipts.close();
  await context.meter.close();
  await context.deployments.close();
  await context.autoRefill.close();
  await context.quotas.close();
  await context.handle.close();
}

function listenError(config: Config, error: unknown): unknown {
  const address = `${config.server.host}:${config.server.port}`;
  const text = String((error as { code?: string }).code ?? '') + ' ' + String((error as Error).message ?? error);
  if (!/EADDRINUSE|in use/i.test(text)) return error;
  return new StartupError(
    `cannot listen on ${address}: the port is in use (another inferport?). Stop it, choose another ` +
      '[server] port, or set [server] reuse_port = true on every process that should share the port.',
  );
}

/** How often the Stripe inbox is drained besides the drain each stored event starts. */
const INBOX_DRAIN_INTERVAL_MS = 10_000;
/** How often pending receipts are looked for besides the send each purchase starts. */
const RECEIPTS_INTERVAL_MS = 30_000;
/** How often every account is checked for a refill (besides the check after each charge), and refunds sent. */
const AUTO_REFILL_INTERVAL_MS = 30_000;
const REFUNDS_INTERVAL_MS = 60_000;
/** How often alert deliveries are looked for besides the delivery each alert starts, and balances and the calendar are checked for alerts. */
const ALERT_DELIVERY_INTERVAL_MS = 10_000;
const ALERT_WATCH_INTERVAL_MS = 60_000;
/** How often deployments' hours are billed: an hour is charged within this of its start. */
const DEPLOYMENTS_INTERVAL_MS = 15_000;

/** The process's periodic work (src/scheduler). */
export function scheduledJobs(context: AppContext): Job[] {
  return [
    // Releases holds of requests that never settled (a crash) and writes off expired credit.
    { name: 'ledger-sweep', intervalMs: context.config.ledger.sweepIntervalSeconds * 1000, run: (nowMs) => ledger.sweep(context.db, nowMs).then(() => {}) },
    // Retries failed Stripe events when due, and takes up those a crashed process left behind;
    // at start too, so events a stopped process left pending need not wait for the first tick.
    { name: 'stripe-inbox', intervalMs: INBOX_DRAIN_INTERVAL_MS, runAtStart: true, run: async () => context.stripeEvents.kick() },
    // Mails receipts whose retry is due, and those a crashed process left (no-op without [smtp]).
    { name: 'receipts', intervalMs: RECEIPTS_INTERVAL_MS, runAtStart: true, run: async () => context.receipts.kick() },
    // Refills the after-charge check did not start (other replicas' charges, a crash between an
    // attempt's commit and its call), retries of attempts Stripe did not answer, and the pages
    // of accounts whose bank asked to authenticate again.
    { name: 'auto-refill', intervalMs: AUTO_REFILL_INTERVAL_MS, runAtStart: true, run: (nowMs) => context.autoRefill.sweep(nowMs) },
    // Money of approved refunds that is not yet on its way back (Stripe unreachable, a crash).
    // Each live deployment's clock hour, charged once (paused when its wallet cannot pay, resumed
    // when it can again); at start too, so an hour that began while no process ran is billed.
    { name: 'deployments', intervalMs: DEPLOYMENTS_INTERVAL_MS, runAtStart: true, run: (nowMs) => billDeployments(context.db, context.deployments, nowMs) },
    { name: 'refunds', intervalMs: REFUNDS_INTERVAL_MS, runAtStart: true, run: async (nowMs) => { if (context.stripe) await submitRefundItems(context.db, context.stripe, null, nowMs); } },
    // Alert deliveries whose retry is due, and those a crashed process left or other code recorded without a kick.
    { name: 'alert-delivery', intervalMs: ALERT_DELIVERY_INTERVAL_MS, runAtStart: true, run: async () => context.alertDeliverer.kick() },
    // Low-balance alerts re-armed after grants (and crossings of other replicas' charges), deployment costs, and the summaries of ended days and weeks.
    { name: 'alert-watch', intervalMs: ALERT_WATCH_INTERVAL_MS, runAtStart: true, run: (nowMs) => context.alertWatcher.sweep(nowMs) },
    // Each configured upstream's GET /v1/models: a failing one leaves the rotation until it answers again.
    ...(context.config.upstreamHealth.probeIntervalSeconds > 0
      ? [{ name: 'upstream-probes', intervalMs: context.config.upstreamHealth.probeIntervalSeconds * 1000, runAtStart: true, run: () => probeUpstreams(context.config, context.upstreamHealth) }]
      : []),
    // Stored media (images answered as links) past [media] retention_hours.
    mediaCleanupJob(context),
  ];
}
