// One JSON line per request with [logs] requests = true: method, route pattern, status, duration,
// request id, model, account and upstream; a stream's line once it ended. Never the key, nor the
// prompt. The lines of the first test also go to the real stdout, so that the suite's log check
// (scripts/test-log-secrets.ts) reads real request lines.
import { afterAll, beforeAll, describe, expect, spyOn, test } from 'bun:test';
import { logFormat, setLogFormat } from '../../src/logs/logger';
import { PROMPT_MARKER } from '../support/env';
import { createCustomer, createGatewayFixture, type Customer, type GatewayFixture } from '../gateway/support';

const formatBefore = logFormat();
const printed: string[] = [];
let passThrough = false;
const print = console.log;
const spy = spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
  printed.push(String(args[0]));
  if (passThrough) print(...args);
});
let fixture: GatewayFixture;
let customer: Customer;

beforeAll(async () => {
  setLogFormat('json');
  fixture = await createGatewayFixture({ logs: { requests: true } });
  customer = await createCustomer(fixture, 1_000_000n);
});
afterAll(async () => {
  await fixture.close();
  spy.mockRestore();
  setLogFormat(formatBefore);
});

/** The request lines written since `from`. */
const requestLines = (from: number) => printed.slice(from).map((line) => JSON.parse(line)).filter((line) => line.msg === 'request');

async function waitForLines(from: number, count: number): Promise<any[]> {
  for (let tries = 0; tries < 200 && requestLines(from).length < count; tries++) await Bun.sleep(5);
  return requestLines(from);
}

describe('request log lines', () => {
  test('a chat completion: one line with its request id, model, account and upstream; no key, no prompt', async () => {
    const from = printed.length;
    passThrough = true;
    try {
      await customer.client.chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content: `hello ${PROMPT_MARKER}` }] }, { headers: { 'x-request-id': 'obs-log-1' } });
      const lines = await waitForLines(from, 1);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ level: 'info', method: 'POST', route: '/v1/chat/completions', status: 200, request_id: 'obs-log-1', model: 'fake-model', account_id: customer.accountId, upstream: 'fake-0' });
      expect(lines[0].duration_ms).toBeGreaterThan(0);
      const all = printed.slice(from).join('\n');
      expect(all).not.toContain(customer.key);
      expect(all).not.toContain(PROMPT_MARKER);
    } finally {
      passThrough = false;
    }
  });

  test('a stream is logged once it ended, with its own request id when the client sent none', async () => {
    const from = printed.length;
    fixture.fake.setBehavior({ chunks: 5, chunkDelayMs: 20 });
    const stream = await customer.client.chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content: 'a b' }], stream: true });
    // The handler has returned (headers are out) but the stream has not ended: no line yet.
    await Bun.sleep(30);
    expect(requestLines(from)).toHaveLength(0);
    for await (const _ of stream) void _;
    fixture.fake.reset();
    const lines = await waitForLines(from, 1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ route: '/v1/chat/completions', status: 200, model: 'fake-model' });
    expect(lines[0].request_id).toStartWith('req_');
    expect(lines[0].duration_ms).toBeGreaterThanOrEqual(80);
  });

  test('other routes: their pattern (not the path with its ids), an error status, a sane client request id', async () => {
    const from = printed.length;
    const admin = fixture.testApp.admin;
    expect((await admin('GET', `/admin/accounts/${customer.accountId}`)).status).toBe(200);
    expect((await fixture.testApp.request('GET', '/admin/accounts', { headers: { 'x-request-id': 'bad id with spaces' } })).status).toBe(401);
    const lines = await waitForLines(from, 2);
    expect(lines.map((line) => [line.method, line.route, line.status, line.request_id, line.model])).toEqual([
      ['GET', '/admin/accounts/:id', 200, null, null],
      ['GET', '/admin/accounts', 401, null, null],
    ]);
    expect(printed.slice(from).join('\n')).not.toContain(customer.accountId);
  });
});
