// What the plan-quota tests share: a gateway whose quota counters live in Redis or in the
// process (each test file runs its tests against both), a clock the tests move instead of
// sleeping, accounts with a plan, and readers of GET /console/quota and of an answer's limits.
import OpenAI from 'openai';
import Redis from 'ioredis';
import { randomToken } from '../../src/shared/ids';
import { TEST_REDIS_URL } from '../support/env';
import { createCustomer, createGatewayFixture, type Customer, type GatewayFixture } from '../gateway/support';

export type StoreKind = 'memory' | 'redis';
export const STORE_KINDS: readonly StoreKind[] = ['memory', 'redis'];

/** 09:30:10 UTC on a Wednesday: 50 s left in the minute, 14h29m50s in the day, the 14th of a 31-day month. */
export const CLOCK_START_MS = Date.UTC(2031, 4, 14, 9, 30, 10);

export class TestClock {
  constructor(public nowMs: number = CLOCK_START_MS) {}
  readonly now = (): number => this.nowMs;
  advance(ms: number): void {
    this.nowMs += ms;
  }
}

export interface PlanFixture extends GatewayFixture {
  store: StoreKind;
  clock: TestClock;
  /** The Redis key prefix of this fixture (deleted when it closes). */
  keyPrefix: string;
}

/** A gateway on `store` with the given config (plans, quotas, …), on a test clock unless `realClock`. */
export async function createPlanFixture(store: StoreKind, raw: Record<string, unknown>, options: { realClock?: boolean; redisUrl?: string } = {}): Promise<PlanFixture> {
  const clock = new TestClock();
  const keyPrefix = `inferport-test:${randomToken(10)}:`;
  const redis = store === 'redis' ? { redis: { url: options.redisUrl ?? TEST_REDIS_URL, key_prefix: keyPrefix, ...(raw.redis as object) } } : {};
  const fixture = await createGatewayFixture({ ...raw, ...redis }, 1, { quotaNow: options.realClock ? Date.now : clock.now });
  if (fixture.testApp.context.quotas.primary.kind !== store) throw new Error(`the fixture counts in ${fixture.testApp.context.quotas.primary.kind}, not ${store}`);
  return {
    ...fixture,
    store,
    clock,
    keyPrefix,
    close: async () => {
      await fixture.close();
      if (store === 'redis') await deleteRedisKeys(options.redisUrl ?? TEST_REDIS_URL, keyPrefix);
    },
  };
}

/** An account on `plan` (null: none) with a plan-billed key, `creditsMicros` in its wallet. */
export async function createPlanCustomer(fixture: GatewayFixture, plan: string | null, creditsMicros = 0n, keyBody: Record<string, unknown> = {}): Promise<Customer> {
  const customer = await createCustomer(fixture, creditsMicros, { billing: 'plan', ...keyBody });
  if (plan !== null) {
    const set = await fixture.testApp.admin('PUT', `/admin/accounts/${customer.accountId}/plan`, { plan });
    if (set.status !== 200) throw new Error(`setting the plan failed: ${set.status} ${await set.text()}`);
  }
  return customer;
}

export interface Attempt {
  status: number;
  code: string | null;
  headers: Headers;
}

/** One SDK call: its status, error code and response headers, answered or refused. */
export async function attempt(call: { withResponse(): Promise<{ response: Response }> }): Promise<Attempt> {
  try {
    const { response } = await call.withResponse();
    return { status: response.status, code: null, headers: response.headers };
  } catch (error) {
    if (error instanceof OpenAI.APIError) return { status: error.status ?? 0, code: (error.code as string | null) ?? null, headers: error.headers as Headers };
    throw error;
  }
}

export const chatBody = (extra: Record<string, unknown> = {}) => ({ model: 'fake-model', messages: [{ role: 'user' as const, content: 'one two three' }], max_tokens: 16, ...extra });
/** The same, streamed (typed so that the SDK answers a stream). */
export const streamBody = (extra: Record<string, unknown> = {}) => ({ ...chatBody(extra), stream: true as const });

/** The x-ratelimit-* headers (and Retry-After) of an answer. */
export function limitHeaders(headers: Headers): Record<string, string> {
  const picked: Record<string, string> = {};
  headers.forEach((value, name) => {
    if (name.startsWith('x-ratelimit-') || name === 'retry-after') picked[name] = value;
  });
  return picked;
}

export interface QuotaLimitJson {
  scope: string;
  model: string | null;
  name: string;
  limit: number | null;
  used: number;
  remaining: number | null;
  resets_at: string | null;
}

export async function readQuota(fixture: GatewayFixture, customer: Customer): Promise<{ status: number; body: any }> {
  const response = await fixture.testApp.request('GET', '/console/quota', { token: customer.key });
  return { status: response.status, body: await response.json() };
}

/** One limit's entry from GET /console/quota. */
export async function quotaEntry(fixture: GatewayFixture, customer: Customer, name: string, scope = 'account'): Promise<QuotaLimitJson> {
  const { status, body } = await readQuota(fixture, customer);
  if (status !== 200) throw new Error(`GET /console/quota answered ${status}: ${JSON.stringify(body)}`);
  const entry = (body.limits as QuotaLimitJson[]).find((limit) => limit.name === name && limit.scope === scope);
  if (!entry) throw new Error(`no ${scope} ${name} in ${JSON.stringify(body)}`);
  return entry;
}

export async function deleteRedisKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } catch {
    // A Redis that a test stopped holds nothing to clean up.
  } finally {
    redis.disconnect();
  }
}
