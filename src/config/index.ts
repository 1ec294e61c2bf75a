// The configuration is read once at start-up, validated against the spec below and frozen.
// Nothing else in inferport reads process.env: secrets come in through `loadConfig`.
import { boolean, credits, deepFreeze, httpOrigin, httpUrl, integer, isTable, oneOf, optionalString, positiveCredits, rejectUnknown, string, usdAmount, usdList } from './fields';
import { parseDefaultPlan, parsePlans, refuseSharedStripePrices } from './plans';
import { parseInstanceTypes, parsePrices, parseTrustedProxies, parseUpstreams } from './sections';
import { parseSmtp, SMTP_KEYS } from './smtp';
import { parseMetrics } from './metrics';
import { MEDIA_KEYS, parseMedia } from './media';
import { ConfigError, type Config, type Env, type Raw } from './types';

import { ADMIN_KEYS, parseAdminTokens } from './admin';

export type { AdminToken, Config, DeploymentHook, MediaConfig, InstanceTypeConfig, ModelLimitsConfig, PlanConfig, PriceConfig, RedisFallback, SmtpConfig, UpstreamConfig } from './types';
export { ConfigError } from './types';

const SECTION_KEYS: Record<string, readonly string[]> = {
  server: ['port', 'host', 'data_dir', 'max_body_bytes', 'stream_max_seconds', 'shutdown_grace_seconds', 'reuse_port', 'trusted_proxies', 'max_header_bytes', 'max_headers'],
  database: ['url'],
  redis: ['url', 'fallback', 'command_timeout_ms', 'key_prefix'],
  quotas: ['default_plan', 'ticket_ttl_seconds'],
  wallet: ['trial_credits', 'trial_expires_days', 'credits_per_usd', 'packs', 'min_custom_usd', 'max_custom_usd'],
  ledger: ['sweep_interval_seconds', 'lease_ttl_seconds', 'lease_idle_seconds', 'lease_growth_factor'],
  cache: ['key_ttl_ms'],
  abuse: ['auth_failures', 'auth_failure_window_seconds', 'block_seconds', 'tracked_addresses'],
  stripe: ['api_base', 'webhook_tolerance_seconds', 'success_url', 'cancel_url'],
  smtp: SMTP_KEYS,
  auto_refill: ['decline_backoff_seconds', 'failures_before_disable', 'max_amount'],
  alerts: ['allow_private_targets', 'timeout_seconds'],
  metrics: ['public', 'token_env'],
  logs: ['format', 'requests'],
  upstream_health: ['probe_interval_seconds', 'probe_timeout_seconds', 'failures_to_open', 'open_seconds'],
  media: MEDIA_KEYS,
  admin: ADMIN_KEYS,
  deployments: ['allow_private_targets'],
};
/**
 * Keys of settings that are planned but not built: refused by name, rather than accepted and
 * ignored. hold_ttl_seconds would bound standalone holds (ledger reserve/post/void), which
 * nothing in a running server creates yet: gateway requests hold credit through leases
 * (lease_ttl_seconds), and a request settled one by one never leaves a pending hold behind.
 */
const NOT_SUPPORTED: Record<string, readonly string[]> = { ledger: ['hold_ttl_seconds'] };
// Bun refuses larger header blocks itself (a bare 431; src/http/header-limits.ts), so a larger
// configured limit would never be reached. Measured with Bun 1.4.5.
const BUN_HEADER_BYTES_MAX = 16 * 1024 - 512;
const BUN_HEADERS_MAX = 150;
const TOP_KEYS = [...Object.keys(SECTION_KEYS), 'upstreams', 'prices', 'plans', 'instance_types'];

/** Reads the TOML file (if any), applies environment overrides and returns a frozen Config. */
export async function loadConfig(path: string | null, env: Env): Promise<Config> {
  let raw: Raw = {};
  if (path) {
    const file = Bun.file(path);
    if (!(await file.exists())) throw new ConfigError(`config file not found: ${path}`);
    try {
      raw = Bun.TOML.parse(await file.text()) as Raw;
    } catch (error) {
      throw new ConfigError(`config file ${path} is not valid TOML: ${(error as Error).message}`);
    }
  }
  return parseConfig(raw, env);
}

export function parseConfig(raw: Raw, env: Env): Config {
  rejectUnknown(raw, TOP_KEYS, '');
  const section = (name: string): Raw => {
    const value = raw[name] ?? {};
    if (!isTable(value)) throw new ConfigError(`[${name}] must be a table`);
    for (const key of NOT_SUPPORTED[name] ?? []) {
      if (key in value) throw new ConfigError(`config key "${name}.${key}" is not supported yet; remove it (see inferport.example.toml)`);
    }
    rejectUnknown(value, SECTION_KEYS[name]!, `${name}.`);
    return value;
  };
  const server = section('server');
  const database = section('database');
  const redis = section('redis');
  const quotas = section('quotas');
  const wallet = section('wallet');
  const ledger = section('ledger');
  const cache = section('cache');
  const abuse = section('abuse');
  const stripe = section('stripe');
  const smtp = section('smtp');
  const autoRefill = section('auto_refill');
  const alerts = section('alerts');
  const metrics = section('metrics');
  const logs = section('logs');
  const upstreamHealth = section('upstream_health');
  const media = section('media');
  const admin = section('admin');
  const deployments = section('deployments');
  const plans = refuseSharedStripePrices(parsePlans(raw.plans));

  const config: Config = {
    server: {
      port: integer(env.INFERPORT_PORT ?? server.port, 'server.port', 8080, 0, 65535),
      host: string(env.INFERPORT_HOST ?? server.host, 'server.host', '0.0.0.0'),
      dataDir: string(env.INFERPORT_DATA_DIR ?? server.data_dir, 'server.data_dir', './data'),
      maxBodyBytes: integer(server.max_body_bytes, 'server.max_body_bytes', 4 * 1024 * 1024, 1024, 512 * 1024 * 1024),
      streamMaxSeconds: integer(server.stream_max_seconds, 'server.stream_max_seconds', 3600, 1, 86400),
      shutdownGraceSeconds: integer(server.shutdown_grace_seconds, 'server.shutdown_grace_seconds', 30, 0, 86400),
      reusePort: boolean(server.reuse_port, 'server.reuse_port', false),
      trustedProxies: parseTrustedProxies(server.trusted_proxies),
      maxHeaderBytes: integer(server.max_header_bytes, 'server.max_header_bytes', 12 * 1024, 1024, BUN_HEADER_BYTES_MAX),
      maxHeaders: integer(server.max_headers, 'server.max_headers', 100, 8, BUN_HEADERS_MAX),
    },
    database: { url: optionalString(env.DATABASE_URL ?? database.url, 'database.url') },
    redis: {
      url: optionalString(env.REDIS_URL ?? redis.url, 'redis.url'),
      fallback: oneOf(redis.fallback, 'redis.fallback', ['closed', 'local'] as const, 'closed'),
      commandTimeoutMs: integer(redis.command_timeout_ms, 'redis.command_timeout_ms', 1000, 10, 60_000),
      keyPrefix: string(redis.key_prefix, 'redis.key_prefix', 'inferport:'),
    },
    adminToken: optionalString(env.INFERPORT_ADMIN_TOKEN, 'INFERPORT_ADMIN_TOKEN'),
    adminTokens: parseAdminTokens(admin.tokens, optionalString(env.INFERPORT_ADMIN_TOKEN, 'INFERPORT_ADMIN_TOKEN'), env),
    upstreams: parseUpstreams(raw.upstreams, env),
    prices: parsePrices(raw.prices),
    plans,
    quotas: {
      defaultPlan: parseDefaultPlan(quotas.default_plan, plans),
      ticketTtlSeconds: integer(quotas.ticket_ttl_seconds, 'quotas.ticket_ttl_seconds', 60, 3, 3600),
    },
    wallet: {
      trialCreditsMicros: credits(wallet.trial_credits, 'wallet.trial_credits', 20_000_000n),
      trialExpiresDays: integer(wallet.trial_expires_days, 'wallet.trial_expires_days', 30, 0, 3650),
      creditsPerUsd: positiveCredits(wallet.credits_per_usd, 'wallet.credits_per_usd', 1),
      packsUsd: usdList(wallet.packs, 'wallet.packs', [5, 10, 20, 50, 100]),
      minCustomUsd: usdAmount(wallet.min_custom_usd, 'wallet.min_custom_usd', 1),
      maxCustomUsd: usdAmount(wallet.max_custom_usd, 'wallet.max_custom_usd', 10_000),
    },
    ledger: {
      sweepIntervalSeconds: integer(ledger.sweep_interval_seconds, 'ledger.sweep_interval_seconds', 30, 1, 3600),
      leaseTtlSeconds: integer(ledger.lease_ttl_seconds, 'ledger.lease_ttl_seconds', 60, 5, 3600),
      leaseIdleSeconds: integer(ledger.lease_idle_seconds, 'ledger.lease_idle_seconds', 2, 1, 3600),
      leaseGrowthFactor: integer(ledger.lease_growth_factor, 'ledger.lease_growth_factor', 16, 1, 1000),
    },
    instanceTypes: parseInstanceTypes(raw.instance_types),
    stripe: {
      secretKey: optionalString(env.STRIPE_SECRET_KEY, 'STRIPE_SECRET_KEY'),
      webhookSecret: optionalString(env.STRIPE_WEBHOOK_SECRET, 'STRIPE_WEBHOOK_SECRET'),
      apiBase: httpOrigin(stripe.api_base, 'stripe.api_base'),
      webhookToleranceSeconds: integer(stripe.webhook_tolerance_seconds, 'stripe.webhook_tolerance_seconds', 300, 1, 86_400),
      successUrl: httpUrl(stripe.success_url, 'stripe.success_url'),
      cancelUrl: httpUrl(stripe.cancel_url, 'stripe.cancel_url'),
    },
    smtp: parseSmtp(smtp, env),
    autoRefill: {
      declineBackoffSeconds: integer(autoRefill.decline_backoff_seconds, 'auto_refill.decline_backoff_seconds', 3600, 60, 7 * 86_400),
      failuresBeforeDisable: integer(autoRefill.failures_before_disable, 'auto_refill.failures_before_disable', 3, 1, 100),
      maxAmountMicros: credits(autoRefill.max_amount, 'auto_refill.max_amount', 1_000_000_000n),
    },
    alerts: {
      allowPrivateTargets: boolean(alerts.allow_private_targets, 'alerts.allow_private_targets', false),
      timeoutSeconds: integer(alerts.timeout_seconds, 'alerts.timeout_seconds', 10, 1, 60),
    },
    deployments: { allowPrivateTargets: boolean(deployments.allow_private_targets, 'deployments.allow_private_targets', false) },
    cache: { keyTtlMs: integer(cache.key_ttl_ms, 'cache.key_ttl_ms', 2000, 0, 60000) },
    abuse: {
      authFailures: integer(abuse.auth_failures, 'abuse.auth_failures', 10, 0, 1_000_000),
      authFailureWindowSeconds: integer(abuse.auth_failure_window_seconds, 'abuse.auth_failure_window_seconds', 60, 1, 86_400),
      blockSeconds: integer(abuse.block_seconds, 'abuse.block_seconds', 300, 1, 86_400),
      trackedAddresses: integer(abuse.tracked_addresses, 'abuse.tracked_addresses', 100_000, 1, 10_000_000),
    },
    upstreamHealth: {
      probeIntervalSeconds: integer(upstreamHealth.probe_interval_seconds, 'upstream_health.probe_interval_seconds', 10, 0, 3600),
      probeTimeoutSeconds: integer(upstreamHealth.probe_timeout_seconds, 'upstream_health.probe_timeout_seconds', 5, 1, 60),
      failuresToOpen: integer(upstreamHealth.failures_to_open, 'upstream_health.failures_to_open', 5, 1, 1000),
      openSeconds: integer(upstreamHealth.open_seconds, 'upstream_health.open_seconds', 30, 1, 3600),
    },
    media: parseMedia(media),
    upstreamFetchLimit: integer(env.BUN_CONFIG_MAX_HTTP_REQUESTS, 'BUN_CONFIG_MAX_HTTP_REQUESTS', 256, 1, 65_535),
    metrics: parseMetrics(metrics, env),
    logs: {
      format: oneOf(logs.format, 'logs.format', ['json', 'text'] as const, 'json'),
      requests: boolean(logs.requests, 'logs.requests', true),
    },
  };
  if (config.wallet.maxCustomUsd < config.wallet.minCustomUsd) throw new ConfigError('wallet.max_custom_usd must not be below wallet.min_custom_usd');
  refuseEmptyRefillRange(config);
  return deepFreeze(config);
}

/** A refill buys at least min_custom_usd's worth (as a custom pack does) and at most max_amount. */
function refuseEmptyRefillRange(config: Config): void {
  const minMicros = BigInt(Math.ceil(config.wallet.minCustomUsd * config.wallet.creditsPerUsd * 1_000_000));
  if (config.autoRefill.maxAmountMicros < minMicros) {
    throw new ConfigError('auto_refill.max_amount must be at least wallet.min_custom_usd × wallet.credits_per_usd credits (the smallest refill)');
  }
}
