// The Redis connection of the quota store. Commands never wait for a connection: with the offline
// queue off, no retries and a command timeout, an unreachable or stalled Redis is an error at
// once, which the service turns into a 503 or the local fallback. ioredis reconnects by itself
// (backing off to a second), and sends a defineCommand script's text the first time on each
// connection and its sha after, re-sending the text on NOSCRIPT: a restarted Redis, its script
// cache empty, needs nothing from us.
import Redis from 'ioredis';
import admitLua from './admit.lua' with { type: 'text' };
import finishLua from './finish.lua' with { type: 'text' };

type Arg = string | number;
export type QuotaRedis = Redis & {
  quotaAdmit(keyCount: number, ...args: Arg[]): Promise<number[]>;
  quotaFinish(keyCount: number, ...args: Arg[]): Promise<number>;
};

export interface RedisConnectOptions {
  url: string;
  commandTimeoutMs: number;
  /** Called when Redis stops or starts answering, to log the change once. */
  onAvailability?: (available: boolean, error: Error | null) => void;
}

/** Bounds the wait for a first connection at start-up; the store works (failing) without one. */
const CONNECT_TIMEOUT_MS = 2000;
/** Reconnection backoff: soon after a restart, never hammering a Redis that is down. */
const RECONNECT_DELAY_MAX_MS = 1000;

/** `closing()` says the connection is going away on purpose: no outage to report then. */
export function connectQuotaRedis(options: RedisConnectOptions, closing: () => boolean): QuotaRedis {
  const redis = new Redis(options.url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: CONNECT_TIMEOUT_MS,
    enableAutoPipelining: true,
    retryStrategy: (attempt) => Math.min(attempt * 100, RECONNECT_DELAY_MAX_MS),
  }) as QuotaRedis;
  redis.defineCommand('quotaAdmit', { lua: admitLua });
  redis.defineCommand('quotaFinish', { lua: finishLua });
  let available: boolean | null = null;
  const report = (now: boolean, error: Error | null) => {
    if (available === now || closing()) return;
    available = now;
    options.onAvailability?.(now, error);
  };
  // An 'error' listener is required: without one ioredis prints every reconnection failure.
  redis.on('error', (error: Error) => report(false, error));
  redis.on('close', () => report(false, null));
  redis.on('ready', () => report(true, null));
  return redis;
}

/** Waits (bounded) for the first connection, so a server just started does not refuse its first requests. */
export async function whenReady(redis: Redis): Promise<boolean> {
  if (redis.status === 'ready') return true;
  return await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => done(false), CONNECT_TIMEOUT_MS);
    const done = (value: boolean) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      resolve(value);
    };
    const onReady = () => done(true);
    redis.on('ready', onReady);
  });
}
