// The quota store replicas share: counters in Redis, each admission one Lua script (one round
// trip), registered with defineCommand. ioredis sends a script's text the first time on each
// connection and its sha after, and re-sends the text on NOSCRIPT, so a restarted Redis (an
// empty script cache) needs nothing from us. Commands never wait for a connection: with the
// offline queue off, no retries and a command timeout, an unreachable or stalled Redis is an
// error at once, which the service turns into a 503 or the local fallback (service.ts).
import Redis from 'ioredis';
import admitLua from './admit.lua' with { type: 'text' };
import finishLua from './finish.lua' with { type: 'text' };
import { DIMENSIONS, LIMIT_OF } from './checks';
import { QuotaStoreUnavailable, type Admission, type AdmitOutcome, type HeldTicket, type QuotaStore, type ScopeCounts, type ScopeKeys } from './store';

type Arg = string | number;
type QuotaRedis = Redis & {
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

export class RedisQuotaStore implements QuotaStore {
  readonly kind = 'redis';
  private readonly redis: QuotaRedis;
  /** Set by close(): the connection going away then is no outage to report. */
  private closing = false;

  constructor(options: RedisConnectOptions) {
    this.redis = new Redis(options.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs,
      connectTimeout: CONNECT_TIMEOUT_MS,
      enableAutoPipelining: true,
      retryStrategy: (attempt) => Math.min(attempt * 100, RECONNECT_DELAY_MAX_MS),
    }) as QuotaRedis;
    this.redis.defineCommand('quotaAdmit', { lua: admitLua });
    this.redis.defineCommand('quotaFinish', { lua: finishLua });
    let available: boolean | null = null;
    const report = (now: boolean, error: Error | null) => {
      if (available === now || this.closing) return;
      available = now;
      options.onAvailability?.(now, error);
    };
    // An 'error' listener is required: without one ioredis prints every reconnection failure.
    this.redis.on('error', (error: Error) => report(false, error));
    this.redis.on('close', () => report(false, null));
    this.redis.on('ready', () => report(true, null));
  }

  /** Waits (bounded) for the first connection, so a server just started does not refuse its first requests. */
  async ready(): Promise<boolean> {
    if (this.redis.status === 'ready') return true;
    return await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => done(false), CONNECT_TIMEOUT_MS);
      const done = (value: boolean) => {
        clearTimeout(timer);
        this.redis.off('ready', onReady);
        resolve(value);
      };
      const onReady = () => done(true);
      this.redis.on('ready', onReady);
    });
  }

  async admit(admission: Admission): Promise<AdmitOutcome> {
    const { scopes, ttl } = admission;
    const keys = scopes.flatMap(({ keys: k }) => [k.requests, k.tokensMinute, k.tokensDay, k.tokensMonth, k.inFlight]);
    const limits = scopes.flatMap(({ limits: l }) => DIMENSIONS.map((dimension) => l[LIMIT_OF[dimension]] ?? -1));
    const args = [admission.nowMs, admission.ticketId, admission.ticketExpiresAtMs, admission.reserveTokens, ttl.minuteMs, ttl.dayMs, ttl.monthMs, ttl.inFlightMs, ...limits];
    const reply = await this.call(() => this.redis.quotaAdmit(keys.length, ...keys, ...args));
    return { admitted: reply[0] === 1, counts: scopes.map((_, index) => countsFrom(reply.slice(1 + index * 5, 6 + index * 5))) };
  }

  async finish(ticket: HeldTicket, tokenDelta: number): Promise<void> {
    const keys = ticket.scopes.flatMap((k) => [k.tokensMinute, k.tokensDay, k.tokensMonth, k.inFlight]);
    await this.call(() => this.redis.quotaFinish(keys.length, ...keys, ticket.ticketId, tokenDelta));
  }

  async renew(tickets: HeldTicket[], nowMs: number, expiresAtMs: number, inFlightTtlMs: number): Promise<void> {
    // Sent together (auto-pipelined into one write). A ticket already freed is not brought back:
    // expired ones are dropped first, and XX updates only the members that are left. No atomicity
    // needed: no other command can make a ticket expired by `nowMs` present again.
    const sets = [...new Set(tickets.flatMap((ticket) => ticket.scopes.map((keys) => keys.inFlight)))];
    await this.call(() =>
      Promise.all([
        ...sets.map((set) => this.redis.zremrangebyscore(set, '-inf', nowMs)),
        ...tickets.flatMap((ticket) => ticket.scopes.map((keys) => this.redis.zadd(keys.inFlight, 'XX', expiresAtMs, ticket.ticketId))),
        ...sets.map((set) => this.redis.pexpire(set, inFlightTtlMs)),
      ]),
    );
  }

  async read(scopes: ScopeKeys[], nowMs: number): Promise<ScopeCounts[]> {
    const counters = scopes.flatMap((k) => [k.requests, k.tokensMinute, k.tokensDay, k.tokensMonth]);
    const [values, inFlight] = await this.call(() =>
      Promise.all([counters.length > 0 ? this.redis.mget(...counters) : Promise.resolve([]), Promise.all(scopes.map((k) => this.redis.zcount(k.inFlight, `(${nowMs}`, '+inf')))]),
    );
    return scopes.map((_, index) => countsFrom([...values.slice(index * 4, index * 4 + 4).map((value) => Number(value ?? 0)), inFlight[index]!]));
  }

  async close(): Promise<void> {
    this.closing = true;
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }

  private async call<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw new QuotaStoreUnavailable(`Redis did not answer a quota command: ${(error as Error).message}`, { cause: error });
    }
  }
}

function countsFrom(values: number[]): ScopeCounts {
  const [requests, tokensMinute, tokensDay, tokensMonth, inFlight] = values.map(Number) as [number, number, number, number, number];
  return { requests, tokensMinute, tokensDay, tokensMonth, inFlight };
}
