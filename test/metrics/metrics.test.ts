// GET /metrics after real requests through the openai SDK: requests by route, model and status,
// histograms whose buckets only grow, tokens and credits charged that match the ledger, the
// settlement batches, the gauges read at scrape time, quota refusals and upstream failures.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { sql } from 'kysely';
import { storeEvent } from '../../src/payments/inbox';
import { ADMIN_TOKEN } from '../support/env';
import { balanceOf, createCustomer, createGatewayFixture, type Customer, type GatewayFixture } from '../gateway/support';
import { parseExposition, scrape, valueOf, type Sample } from './exposition';

let fixture: GatewayFixture;
let customer: Customer;
let samples: Sample[];
let contentType: string | null;
const GRANT_MICROS = 1_000_000n;
const usageSeen = { prompt: 0, completion: 0 };

beforeAll(async () => {
  fixture = await createGatewayFixture();
  customer = await createCustomer(fixture, GRANT_MICROS);
  for (const content of ['one two three', 'four five']) {
    const completion = await customer.client.chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content }], max_tokens: 50 });
    usageSeen.prompt += completion.usage!.prompt_tokens;
    usageSeen.completion += completion.usage!.completion_tokens;
  }
  fixture.fake.setBehavior({ chunks: 5, chunkDelayMs: 2 });
  const stream = await customer.client.chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content: 'a b c d' }], stream: true, stream_options: { include_usage: true } });
  for await (const chunk of stream) {
    if (chunk.usage) (usageSeen.prompt += chunk.usage.prompt_tokens), (usageSeen.completion += chunk.usage.completion_tokens);
  }
  fixture.fake.reset();
  // An account that cannot pay: 402, a refusal counted by its reason.
  const broke = await createCustomer(fixture, 0n);
  const refused = await broke.client.chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content: 'x' }] }).catch((error) => error);
  expect(refused.status).toBe(402);
  const response = await scrape(fixture.baseUrl, ADMIN_TOKEN);
  expect(response.status).toBe(200);
  contentType = response.headers.get('content-type');
  samples = parseExposition(await response.text());
});
afterAll(() => fixture.close());

describe('GET /metrics after requests through the SDK', () => {
  test('is Prometheus text 0.0.4 and counts requests by route pattern, model and status', () => {
    expect(contentType).toStartWith('text/plain; version=0.0.4');
    const chat = { route: '/v1/chat/completions', model: 'fake-model' };
    expect(valueOf(samples, 'inferport_http_requests_total', { ...chat, status: '200' })).toBe(3);
    expect(valueOf(samples, 'inferport_http_requests_total', { ...chat, status: '402' })).toBe(1);
    // Admin routes are counted by their pattern, with no model.
    expect(valueOf(samples, 'inferport_http_requests_total', { route: '/admin/accounts', model: '', status: '201' })).toBe(2);
    expect(valueOf(samples, 'inferport_quota_rejections_total', { reason: 'insufficient_credits' })).toBe(1);
  });

  test('histograms: cumulative buckets never fall, +Inf equals the count', () => {
    const families = ['inferport_http_request_duration_seconds', 'inferport_time_to_first_token_seconds', 'inferport_settlement_batch_size', 'inferport_settlement_commit_seconds'];
    for (const family of families) {
      const buckets = samples.filter((sample) => sample.name === `${family}_bucket`);
      expect(buckets.length).toBeGreaterThan(0);
      const bySeries = Map.groupBy(buckets, (sample) => JSON.stringify({ ...sample.labels, le: undefined }));
      for (const [series, list] of bySeries) {
        const values = list.map((sample) => sample.value);
        expect(values).toEqual([...values].sort((a, b) => a - b));
        expect(list.at(-1)!.labels.le).toBe('+Inf');
        const labels = JSON.parse(series) as Record<string, string>;
        expect(list.at(-1)!.value).toBe(valueOf(samples, `${family}_count`, labels));
      }
    }
    const chatLatency = { route: '/v1/chat/completions' };
    expect(valueOf(samples, 'inferport_http_request_duration_seconds_count', chatLatency)).toBe(4);
    expect(valueOf(samples, 'inferport_time_to_first_token_seconds_count', { model: 'fake-model' })).toBe(1);
  });

  test('tokens and credits charged match what the clients were told and what the ledger took', async () => {
    expect(valueOf(samples, 'inferport_tokens_total', { model: 'fake-model', kind: 'prompt' })).toBe(usageSeen.prompt);
    expect(valueOf(samples, 'inferport_tokens_total', { model: 'fake-model', kind: 'completion' })).toBe(usageSeen.completion);
    const takenMicros = GRANT_MICROS - (await balanceOf(fixture, customer.accountId));
    expect(takenMicros).toBeGreaterThan(0n);
    expect(BigInt(valueOf(samples, 'inferport_credits_charged_micros_total', { model: 'fake-model' }))).toBe(takenMicros);
  });

  test('settlement batches add up to the usage records written; no reservation stays open', async () => {
    const rows = await sql<{ count: string | number | bigint }>`SELECT count(*) AS count FROM usage_records`.execute(fixture.testApp.context.db);
    expect(valueOf(samples, 'inferport_settlement_batch_size_sum')).toBe(Number(rows.rows[0]!.count));
    expect(valueOf(samples, 'inferport_settlement_commit_seconds_count')).toBeGreaterThan(0);
    expect(valueOf(samples, 'inferport_reservations_open')).toBe(0);
  });

  test('the Stripe inbox depth is read at scrape time', async () => {
    expect(valueOf(samples, 'inferport_stripe_inbox_depth')).toBe(0);
    await storeEvent(fixture.testApp.context.db, { id: 'evt_metrics_1', type: 'some.event', created: 1 }, '{}', Date.now());
    const later = parseExposition(await (await scrape(fixture.baseUrl, ADMIN_TOKEN)).text());
    expect(valueOf(later, 'inferport_stripe_inbox_depth')).toBe(1);
  });
});

describe('labels stay bounded', () => {
  test('a model nobody configured never becomes a label; an upstream failure is counted by its upstream', async () => {
    const failing = await createGatewayFixture({}, 2);
    try {
      const client = (await createCustomer(failing, GRANT_MICROS)).client;
      const unknown = await client.chat.completions.create({ model: 'made-up-model-123', messages: [{ role: 'user', content: 'x' }] }).catch((error) => error);
      expect(unknown.status).toBe(404);
      // Both upstreams answer 500: each failed attempt is counted against its own name.
      for (const fake of failing.fakes) fake.setBehavior({ mode: 'error500' });
      const failed = await client.chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content: 'x' }] }).catch((error) => error);
      expect(failed.status).toBe(500);
      const text = await (await scrape(failing.baseUrl, ADMIN_TOKEN)).text();
      expect(text).not.toContain('made-up-model-123');
      const after = parseExposition(text);
      expect(valueOf(after, 'inferport_upstream_errors_total', { upstream: 'fake-0' }) + valueOf(after, 'inferport_upstream_errors_total', { upstream: 'fake-1' })).toBe(2);
      expect(valueOf(after, 'inferport_http_requests_total', { route: '/v1/chat/completions', model: 'fake-model', status: '500' })).toBe(1);
    } finally {
      await failing.close();
    }
  }, 30_000); // a second fresh database and gateway: slow on a busy machine's Postgres
});
