// The group-commit writer's queue is bounded (issue 8, point 5): while the database is slow,
// at most queueItemsMax settlements wait for a batch and further callers wait for room; none is
// dropped, and every caller resolves once its own settlement has committed.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { SettlementWriter } from '../../src/ledger/meter-writer';
import { Serial } from '../../src/ledger/serial';
import type { SettlementItem } from '../../src/ledger/settlement';
import { newId } from '../../src/shared/ids';
import { createAccountWithKey, createTestApp, type TestApp } from '../support/app';

let testApp: TestApp;
beforeAll(async () => {
  testApp = await createTestApp({ wallet: { trial_credits: 0 } });
});
afterAll(() => testApp.close());

function recordItem(accountId: string, keyId: string): SettlementItem {
  const nowMs = Date.now();
  const record = { id: newId('usage'), requestId: newId('req'), keyId, accountId, billing: 'plan' as const, endpoint: 'chat.completions', model: 'fake-model', upstream: 'fake', statusCode: 200, outcome: 'ok', promptTokens: 1, completionTokens: 1, usageEstimated: false, costMicros: 0n, holdId: null, latencyMs: 1, ttftMs: null, createdAtMs: nowMs };
  return { holdId: null, accountId, reservedMicros: 0n, reservedAtMs: nowMs, outcome: 'record', chargeMicros: 0n, draws: [], leaseId: null, memo: '', record };
}

test('a stalled writer holds at most queueItemsMax settlements; the rest wait for room and all commit', async () => {
  const { accountId, keyId } = await createAccountWithKey(testApp);
  const serial = new Serial();
  const writer = new SettlementWriter(testApp.context.handle, serial, { leaseTtlMs: 60_000, now: Date.now, settled: () => {}, forget: () => {}, queueItemsMax: 3 });
  let unstall!: () => void;
  void serial.run(() => new Promise<void>((resolve) => (unstall = resolve)));

  let committed = 0;
  const writes = Array.from({ length: 10 }, () => writer.write(null, recordItem(accountId, keyId)).then(() => (committed += 1)));
  await Bun.sleep(20);
  // One batch (the first settlement) waits behind the stall; three more queue; six wait for room.
  expect(writer.queuedCount).toBe(3);
  expect(committed).toBe(0);

  const seen: number[] = [];
  const sampler = setInterval(() => seen.push(writer.queuedCount), 0);
  unstall();
  await Promise.all(writes);
  clearInterval(sampler);
  expect(committed).toBe(10);
  expect(Math.max(0, ...seen)).toBeLessThanOrEqual(3);
  const rows = await testApp.context.db.selectFrom('usage_records').select('id').where('account_id', '=', accountId).execute();
  expect(rows).toHaveLength(10);
  await writer.drain();
});
