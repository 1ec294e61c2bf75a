// The quota store replicas share: counters in Redis, each admission one Lua script (admit.lua,
// one round trip), each finish another (finish.lua), sent over the connection of
// redis-connection.ts. Any command that fails is QuotaStoreUnavailable to the service.
import { DIMENSIONS, LIMIT_OF } from './checks';
import { connectQuotaRedis, whenReady, type QuotaRedis, type RedisConnectOptions } from './redis-connection';
import { QuotaStoreUnavailable, type Admission, type AdmitOutcome, type HeldTicket, type QuotaStore, type ScopeCounts, type ScopeKeys } from './store';

export class RedisQuotaStore implements QuotaStore {
  readonly kind = 'redis';
  private readonly redis: QuotaRedis;
  /** Set by close(): the connection going away then is no outage to report. */
  private closing = false;

  constructor(options: RedisConnectOptions) {
    this.redis = connectQuotaRedis(options, () => this.closing);
  }

  /** Waits (bounded) for the first connection; false when Redis is not there (yet). */
  ready(): Promise<boolean> {
    return whenReady(this.redis);
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
