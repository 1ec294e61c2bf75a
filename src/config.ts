// The configuration is read once at start-up, validated against the spec below and frozen.
// Nothing else in inferport reads process.env: secrets come in through `loadConfig`.
import { parseCreditsToMicros } from './shared/money';

export interface UpstreamConfig {
  name: string;
  url: string;
  models: string[];
  apiKeyEnv: string | null;
  apiKey: string | null;
  weight: number;
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

export interface PlanConfig {
  requestsPerMinute: number | null;
  tokensPerMinute: number | null;
  tokensPerDay: number | null;
  tokensPerMonth: number | null;
  concurrent: number | null;
  models: string[] | null;
  stripePrice: string | null;
}

export interface Config {
  server: { port: number; host: string; dataDir: string; maxBodyBytes: number; streamMaxSeconds: number };
  database: { url: string | null };
  redis: { url: string | null };
  adminToken: string | null;
  upstreams: UpstreamConfig[];
  prices: { default: PriceConfig; models: Record<string, PriceConfig> };
  plans: Record<string, PlanConfig>;
  wallet: {
    trialCreditsMicros: bigint;
    trialExpiresDays: number;
    creditsPerUsd: number;
    packsUsd: number[];
    minCustomUsd: number;
  };
  ledger: { holdTtlSeconds: number; sweepIntervalSeconds: number; leaseTtlSeconds: number; leaseIdleSeconds: number; leaseGrowthFactor: number };
  instanceTypes: Record<string, { perHourMicros: bigint }>;
  stripe: { secretKey: string | null; webhookSecret: string | null };
  cache: { keyTtlMs: number };
}

export class ConfigError extends Error {}

type Raw = Record<string, unknown>;
type Env = Record<string, string | undefined>;

const SECTION_KEYS: Record<string, readonly string[]> = {
  server: ['port', 'host', 'data_dir', 'max_body_bytes', 'stream_max_seconds'],
  database: ['url'],
  redis: ['url'],
  wallet: ['trial_credits', 'trial_expires_days', 'credits_per_usd', 'packs', 'min_custom_usd'],
  ledger: ['hold_ttl_seconds', 'sweep_interval_seconds', 'lease_ttl_seconds', 'lease_idle_seconds', 'lease_growth_factor'],
  cache: ['key_ttl_ms'],
};
const PRICE_KEYS = ['input_per_million', 'output_per_million', 'image', 'audio_second', 'video_second', 'max_output_tokens'];
const PLAN_KEYS = ['requests_per_minute', 'tokens_per_minute', 'tokens_per_day', 'tokens_per_month', 'concurrent', 'models', 'stripe_price'];
const UPSTREAM_KEYS = ['name', 'url', 'models', 'api_key_env', 'weight'];
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
    rejectUnknown(value, SECTION_KEYS[name]!, `${name}.`);
    return value;
  };
  const server = section('server');
  const database = section('database');
  const redis = section('redis');
  const wallet = section('wallet');
  const ledger = section('ledger');
  const cache = section('cache');

  const config: Config = {
    server: {
      port: integer(env.INFERPORT_PORT ?? server.port, 'server.port', 8080, 0, 65535),
      host: string(env.INFERPORT_HOST ?? server.host, 'server.host', '0.0.0.0'),
      dataDir: string(env.INFERPORT_DATA_DIR ?? server.data_dir, 'server.data_dir', './data'),
      maxBodyBytes: integer(server.max_body_bytes, 'server.max_body_bytes', 4 * 1024 * 1024, 1024, 512 * 1024 * 1024),
      streamMaxSeconds: integer(server.stream_max_seconds, 'server.stream_max_seconds', 3600, 1, 86400),
    },
    database: { url: optionalString(env.DATABASE_URL ?? database.url, 'database.url') },
    redis: { url: optionalString(env.REDIS_URL ?? redis.url, 'redis.url') },
    adminToken: optionalString(env.INFERPORT_ADMIN_TOKEN, 'INFERPORT_ADMIN_TOKEN'),
    upstreams: parseUpstreams(raw.upstreams, env),
    prices: parsePrices(raw.prices),
    plans: parsePlans(raw.plans),
    wallet: {
      trialCreditsMicros: credits(wallet.trial_credits, 'wallet.trial_credits', 20_000_000n),
      trialExpiresDays: integer(wallet.trial_expires_days, 'wallet.trial_expires_days', 30, 0, 3650),
      creditsPerUsd: positiveNumber(wallet.credits_per_usd, 'wallet.credits_per_usd', 1),
      packsUsd: numberList(wallet.packs, 'wallet.packs', [5, 10, 20, 50, 100]),
      minCustomUsd: positiveNumber(wallet.min_custom_usd, 'wallet.min_custom_usd', 1),
    },
    ledger: {
      holdTtlSeconds: integer(ledger.hold_ttl_seconds, 'ledger.hold_ttl_seconds', 3900, 10, 86400),
      sweepIntervalSeconds: integer(ledger.sweep_interval_seconds, 'ledger.sweep_interval_seconds', 30, 1, 3600),
      leaseTtlSeconds: integer(ledger.lease_ttl_seconds, 'ledger.lease_ttl_seconds', 60, 5, 3600),
      leaseIdleSeconds: integer(ledger.lease_idle_seconds, 'ledger.lease_idle_seconds', 2, 1, 3600),
      leaseGrowthFactor: integer(ledger.lease_growth_factor, 'ledger.lease_growth_factor', 16, 1, 1000),
    },
    instanceTypes: parseInstanceTypes(raw.instance_types),
    stripe: {
      secretKey: optionalString(env.STRIPE_SECRET_KEY, 'STRIPE_SECRET_KEY'),
      webhookSecret: optionalString(env.STRIPE_WEBHOOK_SECRET, 'STRIPE_WEBHOOK_SECRET'),
    },
    cache: { keyTtlMs: integer(cache.key_ttl_ms, 'cache.key_ttl_ms', 2000, 0, 60000) },
  };
  return deepFreeze(config);
}

function parseUpstreams(value: unknown, env: Env): UpstreamConfig[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ConfigError('upstreams must be an array of tables ([[upstreams]])');
  const names = new Set<string>();
  return value.map((entry, index) => {
    const at = `upstreams[${index}]`;
    if (!isTable(entry)) throw new ConfigError(`${at} must be a table`);
    rejectUnknown(entry, UPSTREAM_KEYS, `${at}.`);
    const name = string(entry.name, `${at}.name`, null);
    if (names.has(name)) throw new ConfigError(`${at}.name "${name}" is used twice`);
    names.add(name);
    // Operators often paste an OpenAI base URL ending in /v1; the gateway adds /v1/… itself.
    const url = string(entry.url, `${at}.url`, null).replace(/\/+$/, '').replace(/\/v1$/, '');
    if (!/^https?:\/\/[^/]+/.test(url)) throw new ConfigError(`${at}.url must be an http(s) URL`);
    const apiKeyEnv = optionalString(entry.api_key_env, `${at}.api_key_env`);
    const apiKey = apiKeyEnv ? (env[apiKeyEnv] ?? null) : null;
    if (apiKeyEnv && !apiKey) throw new ConfigError(`${at}.api_key_env names ${apiKeyEnv}, which is not set`);
    const models = stringList(entry.models, `${at}.models`);
    if (models.length === 0) throw new ConfigError(`${at}.models must list at least one model`);
    const weight = integer(entry.weight, `${at}.weight`, 1, 1, 1000);
    return { name, url, models, apiKeyEnv, apiKey, weight };
  });
}

const DEFAULT_PRICE: PriceConfig = {
  inputPerMillionMicros: 750_000n,
  outputPerMillionMicros: 750_000n,
  imageMicros: 20_000n,
  audioSecondMicros: 10_000n,
  videoSecondMicros: 10_000n,
  maxOutputTokens: 4096,
};

function parsePrices(value: unknown): Config['prices'] {
  if (value === undefined) return { default: DEFAULT_PRICE, models: {} };
  if (!isTable(value)) throw new ConfigError('[prices] must be a table');
  const base = value.default === undefined ? DEFAULT_PRICE : parsePrice(value.default, 'prices.default', DEFAULT_PRICE);
  const models: Record<string, PriceConfig> = {};
  for (const [model, entry] of Object.entries(value)) {
    if (model !== 'default') models[model] = parsePrice(entry, `prices."${model}"`, base);
  }
  return { default: base, models };
}

function parsePrice(value: unknown, at: string, base: PriceConfig): PriceConfig {
  if (!isTable(value)) throw new ConfigError(`${at} must be a table`);
  rejectUnknown(value, PRICE_KEYS, `${at}.`);
  return {
    inputPerMillionMicros: credits(value.input_per_million, `${at}.input_per_million`, base.inputPerMillionMicros),
    outputPerMillionMicros: credits(value.output_per_million, `${at}.output_per_million`, base.outputPerMillionMicros),
    imageMicros: credits(value.image, `${at}.image`, base.imageMicros),
    audioSecondMicros: credits(value.audio_second, `${at}.audio_second`, base.audioSecondMicros),
    videoSecondMicros: credits(value.video_second, `${at}.video_second`, base.videoSecondMicros),
    maxOutputTokens: integer(value.max_output_tokens, `${at}.max_output_tokens`, base.maxOutputTokens, 1, 10_000_000),
  };
}

function parsePlans(value: unknown): Record<string, PlanConfig> {
  if (value === undefined) return {};
  if (!isTable(value)) throw new ConfigError('[plans] must be a table');
  const plans: Record<string, PlanConfig> = {};
  for (const [name, entry] of Object.entries(value)) {
    const at = `plans.${name}`;
    if (!isTable(entry)) throw new ConfigError(`${at} must be a table`);
    rejectUnknown(entry, PLAN_KEYS, `${at}.`);
    const limit = (key: string) => (entry[key] === undefined ? null : integer(entry[key], `${at}.${key}`, 0, 0, Number.MAX_SAFE_INTEGER));
    plans[name] = {
      requestsPerMinute: limit('requests_per_minute'),
      tokensPerMinute: limit('tokens_per_minute'),
      tokensPerDay: limit('tokens_per_day'),
      tokensPerMonth: limit('tokens_per_month'),
      concurrent: limit('concurrent'),
      models: entry.models === undefined ? null : stringList(entry.models, `${at}.models`),
      stripePrice: optionalString(entry.stripe_price, `${at}.stripe_price`),
    };
  }
  return plans;
}

function parseInstanceTypes(value: unknown): Config['instanceTypes'] {
  const types: Config['instanceTypes'] = {
    'gpu-s': { perHourMicros: 600_000n },
    'gpu-m': { perHourMicros: 1_800_000n },
    'gpu-l': { perHourMicros: 3_500_000n },
  };
  if (value === undefined) return types;
  if (!isTable(value)) throw new ConfigError('[instance_types] must be a table');
  for (const [name, entry] of Object.entries(value)) {
    const at = `instance_types.${name}`;
    if (!isTable(entry)) throw new ConfigError(`${at} must be a table`);
    rejectUnknown(entry, ['per_hour'], `${at}.`);
    types[name] = { perHourMicros: credits(entry.per_hour, `${at}.per_hour`, null) };
  }
  return types;
}

function rejectUnknown(table: Raw, known: readonly string[], prefix: string): void {
  for (const key of Object.keys(table)) {
    if (!known.includes(key)) throw new ConfigError(`unknown config key "${prefix}${key}" (known: ${known.join(', ')})`);
  }
}

function isTable(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function string(value: unknown, at: string, fallback: string | null): string {
  if (value === undefined || value === '') {
    if (fallback === null) throw new ConfigError(`${at} is required`);
    return fallback;
  }
  if (typeof value !== 'string') throw new ConfigError(`${at} must be a string`);
  return value;
}

function optionalString(value: unknown, at: string): string | null {
  if (value === undefined || value === '') return null;
  if (typeof value !== 'string') throw new ConfigError(`${at} must be a string`);
  return value;
}

function integer(value: unknown, at: string, fallback: number, min: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const parsed = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof parsed !== 'number' || !Number.isInteger(parsed) || parsed < min || parsed > max) {
    throw new ConfigError(`${at} must be a whole number from ${min} to ${max}`);
  }
  return parsed;
}

function positiveNumber(value: unknown, at: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0)) throw new ConfigError(`${at} must be a positive number`);
  return value;
}

function credits(value: unknown, at: string, fallback: bigint | null): bigint {
  if (value === undefined) {
    if (fallback === null) throw new ConfigError(`${at} is required`);
    return fallback;
  }
  const micros = typeof value === 'string' || typeof value === 'number' ? parseCreditsToMicros(value) : null;
  if (micros === null) throw new ConfigError(`${at} must be an amount of credits with at most 6 decimals`);
  return micros;
}

function stringList(value: unknown, at: string): string[] {
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string' || item === '')) {
    throw new ConfigError(`${at} must be a list of strings`);
  }
  return value as string[];
}

function numberList(value: unknown, at: string, fallback: number[]): number[] {
  if (value === undefined) return fallback;
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'number' || !(item > 0))) {
    throw new ConfigError(`${at} must be a list of positive numbers`);
  }
  return value as number[];
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
