// Regression (issue 8, point 2): the wallet's `reserved` showed 0 while leased requests were in
// flight; only `available` moved. Now it counts the credit held against the wallet's live
// grants (pending holds and every process's open lease): it rises while a stream runs and is
// back to 0 once the lease is given back, with available = balance - reserved throughout.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { parseCreditsToMicros } from '../../src/shared/money';
import { ADMIN_TOKEN, TEST_DB_KIND } from '../support/env';
import { waitFor } from './account-state';
import { startSecondGateway, type SecondGateway } from './second-gateway';
import { createCustomer, createGatewayFixture, expectLedgerBalanced, type Customer, type GatewayFixture } from './support';
import OpenAI from 'openai';

// Streams of about a second, a second process to start, and leases given back after
// lease_idle_seconds (2 s by default).
setDefaultTimeout(60_000);

let fixture: GatewayFixture;
let second: SecondGateway | undefined;
beforeAll(async () => {
  fixture = await createGatewayFixture();
  fixture.fake.setBehavior({ chunks: 20, chunkDelayMs: 50 });
});
afterAll(async () => {
  await second?.stop();
  await fixture.close();
});

interface WalletFigures {
  balance: bigint;
  reserved: bigint;
  available: bigint;
}

/** The wallet as the console (the account's key) and the admin API each show it. */
async function walletsOf(customer: Customer, baseUrl = fixture.baseUrl): Promise<{ console: WalletFigures; admin: WalletFigures }> {
  const read = async (path: string, token: string) => {
    const body = (await (await fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } })).json()) as Record<string, string>;
    return { balance: parseCreditsToMicros(body.balance!)!, reserved: parseCreditsToMicros(body.reserved!)!, available: parseCreditsToMicros(body.available!)! };
  };
  const [console, admin] = await Promise.all([read('/console/wallet', customer.key), read(`/admin/accounts/${customer.accountId}/wallet`, ADMIN_TOKEN)]);
  return { console, admin };
}

function expectConsistent(figures: WalletFigures): void {
  expect(figures.available).toBe(figures.balance - figures.reserved);
}

/**
 * Streams a chat completion; after its first chunk, calls `during` (the stream is then still
 * running: 20 chunks 50 ms apart). Returns the usage.cost the client was told, in micro-credits.
 */
async function streamWith(client: OpenAI, during: () => Promise<void>): Promise<bigint> {
  const stream = await client.chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content: 'tell me a story' }], stream: true, stream_options: { include_usage: true } });
  let cost: string | null = null;
  let first = true;
  for await (const chunk of stream) {
    if (first) await during();
    first = false;
    const usage = chunk.usage as unknown as { cost?: string } | null | undefined;
    if (usage?.cost) cost = usage.cost;
  }
  expect(cost).not.toBeNull();
  return parseCreditsToMicros(cost!)!;
}

/** Waits (at most 5 s) for the wallet to hold nothing any more; returns what it shows then. */
async function settledWallet(customer: Customer): Promise<{ console: WalletFigures; admin: WalletFigures }> {
  return waitFor(() => walletsOf(customer), (wallets) => wallets.console.reserved === 0n && wallets.admin.reserved === 0n, 5_000);
}

describe('reserved counts the credit held for requests in flight and leases', () => {
  test('a slow stream: reserved > 0 while it runs, 0 after, and the balance fell by its usage.cost', async () => {
    const grantedMicros = 10_000_000n;
    const customer = await createCustomer(fixture, grantedMicros);
    const cost = await streamWith(customer.client, async () => {
      const wallets = await walletsOf(customer);
      for (const figures of [wallets.console, wallets.admin]) {
        expect(figures.balance).toBe(grantedMicros);
        expect(figures.reserved).toBeGreaterThan(0n);
        expectConsistent(figures);
      }
    });
    const after = await settledWallet(customer);
    for (const figures of [after.console, after.admin]) {
      expect(figures.reserved).toBe(0n);
      expect(figures.balance).toBe(grantedMicros - cost);
      expectConsistent(figures);
    }
    expect(await expectLedgerBalanced(fixture)).toEqual([]);
  });

  test.skipIf(TEST_DB_KIND !== 'postgres')('two processes holding leases on one wallet: reserved is what both hold, 0 after', async () => {
    second = await startSecondGateway(fixture);
    const grantedMicros = 10_000_000n;
    const customer = await createCustomer(fixture, grantedMicros);
    const secondClient = new OpenAI({ baseURL: `${second.baseUrl}/v1`, apiKey: customer.key, maxRetries: 0 });
    let bothRunning!: () => void;
    const bothStarted = new Promise<void>((resolve) => (bothRunning = resolve));
    let started = 0;
    const checkWhenBothRun = async () => {
      if (++started === 2) bothRunning();
      await bothStarted;
    };
    let seenDuring: { console: WalletFigures; admin: WalletFigures } | null = null;
    let leasedDuring = 0n;
    const [costHere, costThere] = await Promise.all([
      streamWith(customer.client, async () => {
        await checkWhenBothRun();
        const leases = await fixture.testApp.context.db.selectFrom('leases').select(['owner', 'amount_micros']).where('account_id', '=', customer.accountId).where('status', '=', 'open').execute();
        expect(new Set(leases.map((lease) => lease.owner)).size).toBe(2);
        leasedDuring = leases.reduce((sum, lease) => sum + BigInt(lease.amount_micros), 0n);
        seenDuring = await walletsOf(customer, second!.baseUrl);
      }),
      streamWith(secondClient, checkWhenBothRun),
    ]);
    const during = seenDuring as unknown as { console: WalletFigures; admin: WalletFigures };
    for (const figures of [during.console, during.admin]) {
      expect(figures.balance).toBe(grantedMicros);
      // Both leases, and nothing else, hold credit (no request here holds a standalone hold).
      expect(figures.reserved).toBe(leasedDuring);
      expectConsistent(figures);
    }
    const after = await settledWallet(customer);
    for (const figures of [after.console, after.admin]) {
      expect(figures.reserved).toBe(0n);
      expect(figures.balance).toBe(grantedMicros - costHere - costThere);
      expectConsistent(figures);
    }
    expect(await expectLedgerBalanced(fixture)).toEqual([]);
  });
});
