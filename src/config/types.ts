// The validated, frozen configuration every part of inferport reads.
import type { QuotaLimits } from '../quotas/limits';
import type { IpRange } from '../shared/ip';

export interface UpstreamConfig {
  name: string;
  url: string;
  models: string[];
  apiKeyEnv: string | null;
  apiKey: string | null;
  weight: number;
}

/** An operator's hook for a deployment's start or stop: a command run, or a URL posted to. */
export type DeploymentHook = { kind: 'command'; argv: string[] } | { kind: 'url'; url: string };

export interface InstanceTypeConfig {
  perHourMicros: bigint;
  hooks: { start: DeploymentHook | null; stop: DeploymentHook | null };
  /** How long a hook may run (a command is killed, a POST aborted) before it counts as failed. */
  hookTimeoutSeconds: number;
}

export interface PriceConfig {
  inputPerMillionMicros: bigint;
  outputPerMillionMicros: bigint;
  imageMicros: bigint;
  audioSecondMicros: bigint;
  videoSecondMicros: bigint;
  /** Upper bound of output tokens reserved when a request sets no max_tokens. */
  maxOutputTokens: number;
}

/** Limits a plan puts on one model's requests, on top of the plan's own (a request must fit both). */
export interface ModelLimitsConfig extends QuotaLimits {
  maxTokensPerRequest: number | null;
}

export interface PlanConfig extends QuotaLimits {
  models: string[] | null;
  /** The largest max_tokens (or max_completion_tokens) a request may ask for; null: no bound. */
  maxTokensPerRequest: number | null;
  /** Per-model limits, by model name ([plans.<name>.model_limits."<model>"]). */
  modelLimits: Record<string, ModelLimitsConfig>;
  stripePrice: string | null;
}

/** What plan quotas do while Redis cannot be reached: refuse (503) or count in this process. */
export type RedisFallback = 'closed' | 'local';

export interface Config {
  server: {
    port: number;
    host: string;
    dataDir: string;
    maxBodyBytes: number;
    streamMaxSeconds: number;
    /** On SIGTERM, requests in flight (streams included) may finish for this long before they are cut. */
    shutdownGraceSeconds: number;
    /** SO_REUSEPORT: lets several processes listen on one port, on purpose only. */
    reusePort: boolean;
    /** Peers whose X-Forwarded-For names the client (reverse proxies, load balancers); empty: none. */
    trustedProxies: IpRange[];
    /** A request whose headers exceed either bound is a 431 (Bun's own limits are 16 KiB and about 150). */
    maxHeaderBytes: number;
    maxHeaders: number;
  };
  database: { url: string | null };
  redis: {
    url: string | null;
    fallback: RedisFallback;
    /** A quota command that has no answer after this long fails (503, or the local fallback). */
    commandTimeoutMs: number;
    /** Prepended to every key inferport writes, so that several installations can share one Redis. */
    keyPrefix: string;
  };
  quotas: {
    /** The plan of accounts that have none; null: plan keys of such accounts are refused. */
    defaultPlan: string | null;
    /** A request in flight holds a concurrency slot this long past its last renewal (a crashed process's slots free themselves). */
    ticketTtlSeconds: number;
  };
  adminToken: string | null;
  /** Every admin credential: INFERPORT_ADMIN_TOKEN as "admin", then `[admin] tokens` whose variables are set. */
  adminTokens: AdminToken[];
  upstreams: UpstreamConfig[];
  prices: { default: PriceConfig; models: Record<string, PriceConfig> };
  plans: Record<string, PlanConfig>;
  wallet: {
    trialCreditsMicros: bigint;
    trialExpiresDays: number;
    creditsPerUsd: number;
    /** The credit packs offered, in US dollars (whole cents, within what Stripe can charge). */
    packsUsd: number[];
    /** Bounds of a custom amount bought at checkout, in US dollars. */
    minCustomUsd: number;
    maxCustomUsd: number;
  };
  ledger: { sweepIntervalSeconds: number; leaseTtlSeconds: number; leaseIdleSeconds: number; leaseGrowthFactor: number };
  instanceTypes: Record<string, InstanceTypeConfig>;
  stripe: {
    secretKey: string | null;
    webhookSecret: string | null;
    /** Where the Stripe SDK sends API calls instead of api.stripe.com (a local fake, stripe-mock). */
    apiBase: string | null;
    /** How old a webhook's signature timestamp may be before the delivery is refused as a replay. */
    webhookToleranceSeconds: number;
    /** Where Checkout sends the customer after paying, and after giving up; Stripe's own pages when null. */
    successUrl: string | null;
    cancelUrl: string | null;
  };
  /** Where receipts are mailed from; null: nothing is mailed. */
  smtp: SmtpConfig | null;
  /** Auto-refill: how it backs off after a decline, when it gives up, and its largest amount. */
  autoRefill: {
    declineBackoffSeconds: number;
    failuresBeforeDisable: number;
    maxAmountMicros: bigint;
  };
  /** Alert webhooks: whether they may call private addresses, and each attempt's time limit. */
  alerts: {
    /** Loopback, link-local and private targets allowed (an operator's own network, tests). */
    allowPrivateTargets: boolean;
    timeoutSeconds: number;
  };
  /** Deployment upstream URLs (set by admins): whether they may be loopback, link-local or private. */
  deployments: { allowPrivateTargets: boolean };
  cache: { keyTtlMs: number };
  /** Temporary blocks of addresses that keep failing to authenticate on /v1 and /console. */
  abuse: {
    /** Failures within the window that block an address; 0: never block. */
    authFailures: number;
    authFailureWindowSeconds: number;
    blockSeconds: number;
    /** Addresses counted at most, and as many blocked: the memory bound. */
    trackedAddresses: number;
  };
  /** Upstream health: probes of GET /v1/models, and the circuit breaker on consecutive request failures. */
  upstreamHealth: {
    /** How often each upstream is probed; 0: never (an upstream is then up unless its breaker is open). */
    probeIntervalSeconds: number;
    probeTimeoutSeconds: number;
    /** Consecutive failed requests (unreachable, reset, 5xx) that open an upstream's breaker. */
    failuresToOpen: number;
    /** How long an open breaker keeps its upstream out of the rotation before one trial request. */
    openSeconds: number;
  };
  /** Generated media (images, speech, transcriptions): storage of URL answers and reservation bounds. */
  media: MediaConfig;
  /** Bun's limit of fetches in flight (BUN_CONFIG_MAX_HTTP_REQUESTS, read by Bun at start). */
  upstreamFetchLimit: number;
  /** GET /metrics: open to anyone (`public`), or the bearer of its own token (`token_env`) or of the admin token. */
  metrics: { public: boolean; tokenEnv: string | null; token: string | null };
  /** Log lines as JSON or text, and whether every request gets one. */
  logs: { format: 'json' | 'text'; requests: boolean };
}

export interface SmtpConfig {
  host: string;
  port: number;
  /** Implicit TLS from the first byte (port 465); false: plain, upgraded by STARTTLS when offered. */
  secure: boolean;
  /** Refuse to send (or authenticate) over a connection that STARTTLS did not encrypt. */
  requireTls: boolean;
  /** The sender, "Name <address>" or an address. */
  from: string;
  user: string | null;
  /** SMTP_PASSWORD from the environment; set whenever `user` is. */
  password: string | null;
}

export class ConfigError extends Error {}

export type Raw = Record<string, unknown>;
export type Env = Record<string, string | undefined>;

export interface MediaConfig {
  /** How long a stored image (answered as a URL) stays on disk and its signed link works. */
  retentionHours: number;
  /** The slowest speech reserved for: /v1/audio/speech reserves input characters ÷ this ÷ speed seconds. */
  speechCharactersPerSecondMin: number;
  /** The speech rate that estimates a duration the answer's headers do not give (a FLAC from a pipe). */
  speechCharactersPerSecond: number;
  /** The lowest bitrate reserved for: a compressed upload reserves its bytes ÷ this seconds of transcription. */
  audioBytesPerSecondMin: number;
}

/** A named admin credential; the name goes to the admin audit log, the token nowhere. */
export interface AdminToken {
  name: string;
  token: string;
}
