// Acceptance: SIGTERM drains. The real server process stops accepting connections, lets a stream
// in flight finish (or cuts it at [server] shutdown_grace_seconds), settles it, writes the ledger
// and exits 0; the request is billed exactly once, for what the client was sent.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, startServerProcess, type ServerProcess } from '../support/server-process';
import { ledgerProblems } from '../support/audit';
import { ADMIN_TOKEN } from '../support/env';
import { balanceOf, createCustomer, createGatewayFixture, type Customer, type GatewayFixture } from '../gateway/support';

setDefaultTimeout(45_000);

const CREDIT_MICROS = 100_000_000n;
// 0.001 credit per output token, nothing per input token: the charge counts the tokens billed.
const PRICES = '[prices.default]\ninput_per_million = 0\noutput_per_million = 1000\n';
const MICROS_PER_TOKEN = 1000n;

let fixture: GatewayFixture;
let configDir: string;

beforeAll(async () => {
  fixture = await createGatewayFixture();
  configDir = mkdtempSync(join(tmpdir(), 'inferport-shutdown-'));
});
afterAll(async () => {
  await fixture.close();
  rmSync(configDir, { recursive: true, force: true });
});

async function startGateway(graceSeconds: number): Promise<ServerProcess> {
  const configPath = join(configDir, `grace-${graceSeconds}.toml`);
  const upstream = fixture.testApp.config.upstreams[0]!;
  await Bun.write(
    configPath,
    `[server]\nshutdown_grace_seconds = ${graceSeconds}\n\n[[upstreams]]\nname = "fake"\nurl = "${upstream.url}"\nmodels = ["fake-model"]\n\n[wallet]\ntrial_credits = 0\n\n${PRICES}`,
  );
  const database = fixture.testApp.database;
  return startServerProcess([process.execPath, 'src/index.ts', 'serve', '--config', configPath], {
    cwd: REPO_ROOT,
    env: {
      INFERPORT_ADMIN_TOKEN: ADMIN_TOKEN,
      ...(database.url ? { DATABASE_URL: database.url } : {}),
      INFERPORT_DATA_DIR: database.dataDir,
    },
  });
}

interface StreamRead {
  text: string;
  /** The read ended in an error (the connection was cut) rather than at the end of the body. */
  cut: boolean;
}

/**
 * Opens a stream, sends SIGTERM to the gateway once `tokensBeforeSignal` tokens arrived (and
 * again once `tokensBeforeSecondSignal` did, if given), and reads the rest.
 */
async function streamThroughShutdown(
  gateway: ServerProcess,
  customer: Customer,
  requestId: string,
  tokensBeforeSignal: number,
  tokensBeforeSecondSignal = Number.POSITIVE_INFINITY,
): Promise<StreamRead & { exitCode: number; exitMs: number; refusedAfterSignal: boolean }> {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${customer.key}`, 'content-type': 'application/json', 'x-request-id': requestId },
    body: JSON.stringify({ model: 'fake-model', messages: [{ role: 'user', content: 'a b c' }], stream: true, stream_options: { include_usage: true } }),
  });
  expect(response.status).toBe(200);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let signalledAt = 0;
  let refusedAfterSignal = false;
  let cut = false;
  for (;;) {
    let chunk: Awaited<ReturnType<typeof reader.read>>;
    try {
      chunk = await reader.read();
    } catch {
      cut = true;
      break;
    }
    if (chunk.done) break;
    text += decoder.decode(chunk.value, { stream: true });
    if (signalledAt === 0 && tokensOf(text) >= tokensBeforeSignal) {
      signalledAt = performance.now();
      gateway.child.kill('SIGTERM');
      refusedAfterSignal = await refusesConnections(gateway.url);
    } else if (signalledAt > 0 && tokensOf(text) >= tokensBeforeSecondSignal) {
      tokensBeforeSecondSignal = Number.POSITIVE_INFINITY;
      gateway.child.kill('SIGTERM');
    }
  }
  const exitCode = await gateway.child.exited;
  const exitMs = performance.now() - signalledAt;
  await gateway.stop();
  return { text, cut, exitCode, exitMs, refusedAfterSignal };
}

/** True once a new request to the gateway fails to connect (within two seconds of asking). */
async function refusesConnections(url: string): Promise<boolean> {
  const deadline = Date.now() + 2_000;
  while (Date.now() < deadline) {
    try {
      await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(500), keepalive: false });
    } catch {
      return true;
    }
    await Bun.sleep(20);
  }
  return false;
}

/** The completion tokens the client received: the fake upstream's words "tok0 tok1 …". */
function tokensOf(text: string): number {
  return text.match(/tok\d+/g)?.length ?? 0;
}

/** What the books say about one request, once the gateway is gone. */
async function billingOf(customer: Customer, requestId: string) {
  const db = fixture.testApp.context.db;
  const records = await db.selectFrom('usage_records').select(['outcome', 'completion_tokens', 'cost_micros', 'charge_status']).where('request_id', '=', requestId).execute();
  const openLeases = await db.selectFrom('leases').select('id').where('account_id', '=', customer.accountId).where('status', '=', 'open').execute();
  const pendingHolds = await db.selectFrom('holds').select('id').where('account_id', '=', customer.accountId).where('status', '=', 'pending').execute();
  const wallet = await db.selectFrom('wallets').select(['balance_micros', 'reserved_micros']).where('account_id', '=', customer.accountId).executeTakeFirstOrThrow();
  return {
    records: records.map((row) => ({ outcome: row.outcome, completionTokens: Number(row.completion_tokens), costMicros: BigInt(row.cost_micros), chargeStatus: row.charge_status })),
    openLeases: openLeases.length,
    pendingHolds: pendingHolds.length,
    reservedMicros: BigInt(wallet.reserved_micros),
    spentMicros: CREDIT_MICROS - (await balanceOf(fixture, customer.accountId)),
    problems: await ledgerProblems(db),
  };
}

describe('SIGTERM with a stream in flight', () => {
  test('within the grace: the stream completes, the process exits 0, the request is billed once', async () => {
    const customer = await createCustomer(fixture, CREDIT_MICROS);
    fixture.fake.setBehavior({ chunks: 20, chunkDelayMs: 100 });
    const gateway = await startGateway(30);
    const read = await streamThroughShutdown(gateway, customer, 'drain-whole', 3);
    fixture.fake.reset();

    expect({ cut: read.cut, done: read.text.endsWith('data: [DONE]\n\n'), tokens: tokensOf(read.text), exitCode: read.exitCode }).toEqual({ cut: false, done: true, tokens: 20, exitCode: 0 });
    expect(read.refusedAfterSignal).toBe(true);
    expect(gateway.output()).toContain('every request settled');
    const billing = await billingOf(customer, 'drain-whole');
    expect(billing).toEqual({
      records: [{ outcome: 'ok', completionTokens: 20, costMicros: 20n * MICROS_PER_TOKEN, chargeStatus: 'posted' }],
      openLeases: 0,
      pendingHolds: 0,
      reservedMicros: 0n,
      spentMicros: 20n * MICROS_PER_TOKEN,
      problems: [],
    });
  });

  test('past the grace: the stream is cut at the bound and billed once for what it sent; exit 0', async () => {
    const customer = await createCustomer(fixture, CREDIT_MICROS);
    // 40 tokens over 8 s; the signal comes after 3 and the grace is 1 s.
    fixture.fake.setBehavior({ chunks: 40, chunkDelayMs: 200 });
    const gateway = await startGateway(1);
    const read = await streamThroughShutdown(gateway, customer, 'drain-cut', 3);
    fixture.fake.reset();

    const sent = tokensOf(read.text);
    expect({ done: read.text.includes('[DONE]'), exitCode: read.exitCode }).toEqual({ done: false, exitCode: 0 });
    // Cut at about a second: some tokens after the signal, far fewer than the stream's 40.
    expect(sent).toBeGreaterThan(3);
    expect(sent).toBeLessThan(20);
    expect(read.exitMs).toBeGreaterThan(900);
    expect(read.exitMs).toBeLessThan(6_000);
    expect(gateway.output()).toContain('1 request(s) still in flight were cut');
    const billing = await billingOf(customer, 'drain-cut');
    // stop(true) resets the connections: a chunk written just before the cut can be dropped by the
    // client's kernel with the reset (it discards unread data on RST), so the gateway may have
    // sent, and charged, one chunk more than the client read. Never more than one, never less.
    const charged = billing.records[0]?.completionTokens ?? -1;
    expect([sent, sent + 1]).toContain(charged);
    expect(billing).toEqual({
      records: [{ outcome: 'client_gone', completionTokens: charged, costMicros: BigInt(charged) * MICROS_PER_TOKEN, chargeStatus: 'posted' }],
      openLeases: 0,
      pendingHolds: 0,
      reservedMicros: 0n,
      spentMicros: BigInt(charged) * MICROS_PER_TOKEN,
      problems: [],
    });
  });

  test('a second SIGTERM cuts the stream at once, before the grace is over; still billed once', async () => {
    const customer = await createCustomer(fixture, CREDIT_MICROS);
    fixture.fake.setBehavior({ chunks: 40, chunkDelayMs: 200 });
    const gateway = await startGateway(30);
    const read = await streamThroughShutdown(gateway, customer, 'drain-twice', 3, 6);
    fixture.fake.reset();

    const sent = tokensOf(read.text);
    expect({ done: read.text.includes('[DONE]'), exitCode: read.exitCode }).toEqual({ done: false, exitCode: 0 });
    expect(sent).toBeGreaterThanOrEqual(6);
    expect(sent).toBeLessThan(20);
    expect(read.exitMs).toBeLessThan(10_000);
    expect(gateway.output()).toContain('received SIGTERM again');
    const billing = await billingOf(customer, 'drain-twice');
    expect(billing).toMatchObject({ records: [{ outcome: 'client_gone', completionTokens: sent, costMicros: BigInt(sent) * MICROS_PER_TOKEN, chargeStatus: 'posted' }], openLeases: 0, pendingHolds: 0, problems: [] });
  });

  test('a request still waiting for its upstream past the grace is cut and released: nothing charged, nothing left reserved', async () => {
    const customer = await createCustomer(fixture, CREDIT_MICROS);
    fixture.fake.setBehavior({ delayMs: 10_000 });
    const gateway = await startGateway(1);
    const answer = fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${customer.key}`, 'content-type': 'application/json', 'x-request-id': 'drain-waiting' },
      body: JSON.stringify({ model: 'fake-model', messages: [{ role: 'user', content: 'a b c' }] }),
    }).then((response) => response.status, () => 'cut');
    // The chat request itself, not the server's health probe of GET /v1/models (src/upstreams/probe.ts).
    while (!fixture.fake.requests.some((request) => request.path === '/v1/chat/completions')) await Bun.sleep(10);
    gateway.child.kill('SIGTERM');
    const [status, exitCode] = await Promise.all([answer, gateway.child.exited]);
    await gateway.stop();
    fixture.fake.reset();

    expect({ status, exitCode }).toEqual({ status: 'cut', exitCode: 0 });
    expect(await billingOf(customer, 'drain-waiting')).toEqual({
      records: [{ outcome: 'client_aborted', completionTokens: 0, costMicros: 0n, chargeStatus: 'voided' }],
      openLeases: 0,
      pendingHolds: 0,
      reservedMicros: 0n,
      spentMicros: 0n,
      problems: [],
    });
  });
});
