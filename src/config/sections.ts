// Parsers of the config's repeated sections: upstreams, prices, instance types, and the list of
// trusted proxies (plans: plans.ts).
import { parseIpRange, type IpRange } from '../shared/ip';
import type { Config, DeploymentHook, Env, InstanceTypeConfig, PriceConfig, UpstreamConfig } from './types';
import { ConfigError } from './types';
import { credits, httpUrl, integer, isTable, optionalString, rejectUnknown, string, stringList } from './fields';

export const PRICE_KEYS = ['input_per_million', 'output_per_million', 'image', 'audio_second', 'video_second', 'max_output_tokens'];
/** The url of the built-in echo upstream. */
export const ECHO_URL = 'echo:';
export const UPSTREAM_KEYS = ['name', 'url', 'models', 'api_key_env', 'weight'];

export function parseUpstreams(value: unknown, env: Env): UpstreamConfig[] {
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
    // "echo:" is the built-in echo upstream (src/upstreams/echo.ts), for trying inferport without an inference server.
    if (!/^https?:\/\/[^/]+/.test(url) && url !== ECHO_URL) throw new ConfigError(`${at}.url must be an http(s) URL, or "echo:" (the built-in echo upstream)`);
    const apiKeyEnv = optionalString(entry.api_key_env, `${at}.api_key_env`);
    const apiKey = apiKeyEnv ? (env[apiKeyEnv] ?? null) : null;
    if (apiKeyEnv && !apiKey) throw new ConfigError(`${at}.api_key_env names ${apiKeyEnv}, which is not set`);
    const models = stringList(entry.models, `${at}.models`);
    if (models.length === 0) throw new ConfigError(`${at}.models must list at least one model`);
    const weight = integer(entry.weight, `${at}.weight`, 1, 1, 1000);
    return { name, url, models, apiKeyEnv, apiKey, weight };
  });
}

export const DEFAULT_PRICE: PriceConfig = {
  inputPerMillionMicros: 750_000n,
  outputPerMillionMicros: 750_000n,
  imageMicros: 20_000n,
  audioSecondMicros: 10_000n,
  videoSecondMicros: 10_000n,
  maxOutputTokens: 4096,
};

export function parsePrices(value: unknown): Config['prices'] {
  if (value === undefined) return { default: DEFAULT_PRICE, models: {} };
  if (!isTable(value)) throw new ConfigError('[prices] must be a table');
  const base = value.default === undefined ? DEFAULT_PRICE : parsePrice(value.default, 'prices.default', DEFAULT_PRICE);
  const models: Record<string, PriceConfig> = {};
  for (const [model, entry] of Object.entries(value)) {
    if (model !== 'default') models[model] = parsePrice(entry, `prices."${model}"`, base);
  }
  return { default: base, models };
}

export function parsePrice(value: unknown, at: string, base: PriceConfig): PriceConfig {
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

export const INSTANCE_TYPE_KEYS = ['per_hour', 'start_command', 'stop_command', 'start_url', 'stop_url', 'hook_timeout_seconds'];

export function parseInstanceTypes(value: unknown): Config['instanceTypes'] {
  const builtIn = (perHourMicros: bigint): InstanceTypeConfig => ({ perHourMicros, hooks: { start: null, stop: null }, hookTimeoutSeconds: 30 });
  const types: Config['instanceTypes'] = {
    'gpu-s': builtIn(600_000n),
    'gpu-m': builtIn(1_800_000n),
    'gpu-l': builtIn(3_500_000n),
  };
  if (value === undefined) return types;
  if (!isTable(value)) throw new ConfigError('[instance_types] must be a table');
  for (const [name, entry] of Object.entries(value)) {
    const at = `instance_types.${name}`;
    if (!isTable(entry)) throw new ConfigError(`${at} must be a table`);
    rejectUnknown(entry, INSTANCE_TYPE_KEYS, `${at}.`);
    // A table that names a built-in type may leave its price out to keep it (and only add hooks).
    const perHourMicros = credits(entry.per_hour, `${at}.per_hour`, Object.hasOwn(types, name) ? types[name]!.perHourMicros : null);
    types[name] = {
      perHourMicros,
      hooks: { start: parseHook(entry, 'start', at), stop: parseHook(entry, 'stop', at) },
      hookTimeoutSeconds: integer(entry.hook_timeout_seconds, `${at}.hook_timeout_seconds`, 30, 1, 3600),
    };
  }
  return types;
}

/** `<event>_command` (a shell command line, or an argv list) or `<event>_url` (an HTTP POST): at most one. */
function parseHook(entry: Record<string, unknown>, event: 'start' | 'stop', at: string): DeploymentHook | null {
  const commandAt = `${at}.${event}_command`;
  const raw = entry[`${event}_command`];
  const command = Array.isArray(raw) ? stringList(raw, commandAt) : optionalString(raw, commandAt);
  const url = httpUrl(entry[`${event}_url`], `${at}.${event}_url`);
  if (command !== null && url !== null) throw new ConfigError(`${at}: set ${event}_command or ${event}_url, not both`);
  if (Array.isArray(command)) return command.length === 0 ? null : { kind: 'command', argv: command };
  if (command !== null) return { kind: 'command', argv: ['/bin/sh', '-c', command] };
  return url === null ? null : { kind: 'url', url };
}

/** [server] trusted_proxies: addresses or CIDR ranges whose X-Forwarded-For is believed. */
export function parseTrustedProxies(value: unknown): IpRange[] {
  if (value === undefined) return [];
  return stringList(value, 'server.trusted_proxies').map((text, index) => {
    const range = parseIpRange(text);
    if (!range) throw new ConfigError(`server.trusted_proxies[${index}] "${text}" is not an IP address or a CIDR range such as "10.0.0.0/8"`);
    return range;
  });
}
