// A gateway under test: inferport on a real port in front of a fake upstream, an account with
// a credit-billed key, and an OpenAI SDK client pointed at it.
import OpenAI from 'openai';
import * as ledger from '../../src/ledger/service';
import type { ContextOptions } from '../../src/server';
import { createAccountWithKey, createTestApp, type TestApp } from '../support/app';
import { ledgerProblems } from '../support/audit';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';

export interface GatewayFixture {
  testApp: TestApp;
  fake: FakeUpstream;
  fakes: FakeUpstream[];
  baseUrl: string;
  close: () => Promise<void>;
}

export async function createGatewayFixture(raw: Record<string, unknown> = {}, upstreamCount = 1, options: ContextOptions = {}): Promise<GatewayFixture> {
  const fakes = Array.from({ length: upstreamCount }, () => startFakeUpstream());
  const testApp = await createTestApp({
    upstreams: fakes.map((fake, index) => ({ name: `fake-${index}`, url: fake.url, models: ['fake-model', 'other-model'] })),
    wallet: { trial_credits: 0 },
    ...raw,
  }, {}, options);
  const baseUrl = testApp.listen();
  return {
    testApp,
    fake: fakes[0]!,
    fakes,
    baseUrl,
    close: async () => {
      await testApp.close();
      await Promise.all(fakes.map((fake) => fake.stop()));
    },
  };
}

export interface Customer {
  accountId: string;
  keyId: string;
  key: string;
  client: OpenAI;
}

/** An account with `credits` paid credit (micro-credits) and a key of the given billing mode. */
export async function createCustomer(fixture: GatewayFixture, creditsMicros: bigint, keyBody: Record<string, unknown> = { billing: 'credits' }): Promise<Customer> {
  const { accountId, keyId, key } = await createAccountWithKey(fixture.testApp, keyBody);
  if (creditsMicros > 0n) {
    await ledger.grant(
      fixture.testApp.context.db,
      { accountId, kind: 'paid', amountMicros: creditsMicros, expiresAtMs: null, source: 'admin', idempotencyKey: `seed:${accountId}` },
      Date.now(),
    );
  }
  const client = new OpenAI({ baseURL: `${fixture.baseUrl}/v1`, apiKey: key, maxRetries: 0 });
  return { accountId, keyId, key, client };
}

export async function balanceOf(fixture: GatewayFixture, accountId: string): Promise<bigint> {
  return (await ledger.getWalletSummary(fixture.testApp.context.db, accountId, Date.now())).balanceMicros;
}

export const expectLedgerBalanced = (fixture: GatewayFixture): Promise<string[]> => ledgerProblems(fixture.testApp.context.db);
