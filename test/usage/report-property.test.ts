// Acceptance 3 of issue 12: on random data, every figure of GET /console/usage equals a brute-force
// recomputation from the raw rows (brute-force.ts). Requests go through the real gateway (a fake
// upstream, the meter's batches: bursts put several records of one key into one batch), the
// injected clock crosses days and months, and deployment hours are real ledger charges.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import fc from 'fast-check';
import * as ledger from '../../src/ledger/service';
import { createAccountWithKey, createTestApp, readJson, type TestApp } from '../support/app';
import { expectAuditClean } from '../support/audit';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { bruteForceReport } from './brute-force';

// bad-model and worse-model always fail, so they cost nothing: a cost tie between models.
const MODELS = ['fake-model', 'other-model', 'ded-model', 'bad-model', 'worse-model'] as const;
const FAILING_MODELS: readonly string[] = ['bad-model', 'worse-model'];
// ded-model is served by an upstream named like the deployment, as a deployment's requests are.
const DEPLOYMENTS = ['dep_propa', 'dep_propb'] as const;
const HOUR_MS = 3_600_000;

let nowMs = 0;
let testApp: TestApp;
let fake: FakeUpstream;
// The failing models fail on an upstream of their own, so their failures never take 'local' out of rotation.
let failing: FakeUpstream;

beforeAll(async () => {
  fake = startFakeUpstream();
  failing = startFakeUpstream();
  failing.setBehavior({ mode: 'error500' });
  testApp = await createTestApp(
    {
      upstreams: [
        { name: 'local', url: fake.url, models: ['fake-model', 'other-model'] },
        { name: 'failing', url: failing.url, models: [...FAILING_MODELS] },
        { name: DEPLOYMENTS[0], url: fake.url, models: ['ded-model'] },
      ],
      prices: { default: { input_per_million: '1', output_per_million: '2' }, 'other-model': { input_per_million: '3', output_per_million: '7' } },
      wallet: { trial_credits: 0 },
    },
    {},
    { now: () => nowMs },
  );
});
afterAll(async () => {
  await testApp.close();
  await fake.stop();
  await failing.stop();
});

const chatArbitrary = fc.record({ account: fc.integer({ min: 0, max: 1 }), model: fc.constantFrom(...MODELS), words: fc.integer({ min: 1, max: 40 }), maxTokens: fc.integer({ min: 1, max: 4 }) });
const commandArbitrary = fc.oneof(
  { weight: 5, arbitrary: chatArbitrary.map((chat) => ({ kind: 'chat' as const, chats: [chat] })) },
  { weight: 2, arbitrary: fc.array(chatArbitrary, { minLength: 2, maxLength: 6 }).map((chats) => ({ kind: 'chat' as const, chats })) },
  // A busy spell: more than 10 charged requests in a day, so usage_top's filters come into play.
  { weight: 1, arbitrary: fc.array(chatArbitrary, { minLength: 12, maxLength: 24 }).map((chats) => ({ kind: 'chat' as const, chats })) },
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 3000 }).map((minutes) => ({ kind: 'advance' as const, minutes })) },
  // Now and then a jump past a window, so older rollups and hours are read and must be left out.
  { weight: 1, arbitrary: fc.integer({ min: 5 * 1440, max: 20 * 1440 }).map((minutes) => ({ kind: 'advance' as const, minutes })) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 1 }).map((deployment) => ({ kind: 'hour' as const, deployment })) },
  { weight: 1, arbitrary: fc.record({ deployment: fc.integer({ min: 0, max: 1 }), status: fc.constantFrom('running' as const, 'paused' as const, 'stopped' as const) }).map((change) => ({ kind: 'status' as const, ...change })) },
);

interface Run {
  accounts: { accountId: string; key: string }[];
  billed: Set<string>;
}

async function startRun(startMs: number): Promise<Run> {
  nowMs = startMs;
  const db = testApp.context.db;
  await db.deleteFrom('deployment_hours').where('deployment_id', 'in', [...DEPLOYMENTS]).execute();
  await db.deleteFrom('deployments').where('id', 'in', [...DEPLOYMENTS]).execute();
  const accounts = [await createAccountWithKey(testApp), await createAccountWithKey(testApp)];
  for (const { accountId } of accounts) {
    await ledger.grant(db, { accountId, kind: 'paid', amountMicros: 1_000_000_000n, expiresAtMs: null, source: 'admin', idempotencyKey: `seed:${accountId}` }, nowMs);
  }
  const at = BigInt(nowMs);
  for (const [index, id] of DEPLOYMENTS.entries()) {
    await db
      .insertInto('deployments')
      .values({ id, account_id: accounts[0]!.accountId, model: index === 0 ? 'ded-model' : 'idle-model', instance_type: 'gpu-s', upstream_url: fake.url, per_hour_micros: 600_000n + BigInt(index), status: 'running', started_at_ms: at, paused_at_ms: null, stopped_at_ms: null, created_at_ms: at, updated_at_ms: at })
      .execute();
  }
  return { accounts, billed: new Set() };
}

/** Bills the current clock hour of a deployment as the biller does: one ledger charge, one deployment_hours row. */
async function billHour(run: Run, deployment: number): Promise<void> {
  const id = DEPLOYMENTS[deployment]!;
  const hourIndex = Math.floor(nowMs / HOUR_MS);
  if (run.billed.has(`${id}:${hourIndex}`)) return;
  run.billed.add(`${id}:${hourIndex}`);
  const db = testApp.context.db;
  const accountId = run.accounts[0]!.accountId;
  const amountMicros = 600_000n + BigInt(deployment);
  const hold = await ledger.reserve(db, { accountId, amountMicros, idempotencyKey: `hold:${id}:${hourIndex}:${accountId}`, ttlMs: 60_000 }, nowMs);
  const posted = await ledger.post(db, { holdId: hold.id, amountMicros, idempotencyKey: `deployment:${id}:hour:${hourIndex}:${accountId}` }, nowMs);
  await db.insertInto('deployment_hours').values({ deployment_id: id, hour_index: BigInt(hourIndex), account_id: accountId, amount_micros: amountMicros, transaction_id: posted.transactionId, charged_at_ms: BigInt(nowMs) }).execute();
}

type Command = typeof commandArbitrary extends fc.Arbitrary<infer T> ? T : never;

async function apply(run: Run, command: Command): Promise<void> {
  if (command.kind === 'advance') nowMs += command.minutes * 60_000;
  else if (command.kind === 'hour') await billHour(run, command.deployment);
  else if (command.kind === 'status') await testApp.context.db.updateTable('deployments').set({ status: command.status }).where('id', '=', DEPLOYMENTS[command.deployment]!).execute();
  else {
    const responses = await Promise.all(
      command.chats.map((chat) =>
        testApp.request('POST', '/v1/chat/completions', { token: run.accounts[chat.account]!.key, body: { model: chat.model, max_tokens: chat.maxTokens, messages: [{ role: 'user', content: Array(chat.words).fill('w').join(' ') }] } }),
      ),
    );
    // A failing model answers 500, or 503 once its upstream is out of rotation; its record costs nothing either way.
    for (const [index, response] of responses.entries()) expect(FAILING_MODELS.includes(command.chats[index]!.model) ? [500, 503] : [200]).toContain(response.status);
  }
}

async function expectFiguresMatch(run: Run): Promise<void> {
  for (const { accountId, key } of run.accounts) {
    const wallet = await readJson(await testApp.request('GET', '/console/wallet', { token: key }));
    for (const days of [7, 14, 30]) {
      const response = await testApp.request('GET', `/console/usage?days=${days}`, { token: key });
      expect(response.status).toBe(200);
      expect(await readJson(response)).toEqual(await bruteForceReport(testApp.context.db, accountId, days, nowMs, wallet));
    }
  }
}

describe('GET /console/usage on random data', () => {
  test('every figure equals the brute-force recomputation from the raw rows', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: Date.UTC(2026, 0, 20), max: Date.UTC(2026, 2, 5) }), fc.array(commandArbitrary, { minLength: 10, maxLength: 40, size: 'max' }), async (startMs, commands) => {
        const run = await startRun(startMs);
        for (const command of commands) await apply(run, command);
        await expectFiguresMatch(run);
      }),
      { numRuns: 16, seed: 20261202, endOnFailure: true },
    );
    await expectAuditClean(testApp.context.db);
  }, 180_000);
});
