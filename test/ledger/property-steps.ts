// Runs one random operation against the real ledger and the reference model, and checks that
// both agree on the outcome: success or the exact error code, amounts, ids and allocations.
// This file has the dispatch, grants and reservations; property-post-steps.ts the settling.
import { expect } from 'bun:test';
import * as ledger from '../../src/ledger/service';
import { compareModelGrants, isGrantExpired, type LedgerModel, type ModelAllocation } from './ledger-model';
import type { Op } from './property-ops';
import { postStep, replayPostStep, voidStep } from './property-post-steps';
import { nextKey, note, outcome, type Run } from './property-run';

export async function runOp(run: Run, op: Op): Promise<void> {
  switch (op.type) {
    case 'grant':
      return grantStep(run, op);
    case 'replayGrant':
      return replayGrantStep(run, op);
    case 'reserve':
      return reserveStep(run, op);
    case 'replayReserve':
      return replayReserveStep(run, op);
    case 'post':
      return postStep(run, op);
    case 'replayPost':
      return replayPostStep(run, op);
    case 'void':
      return voidStep(run, op);
    case 'advance':
      run.nowMs += op.ms;
      return;
    case 'sweep': {
      const expected = run.model.sweep(run.nowMs);
      expect(await ledger.sweep(run.db, run.nowMs)).toEqual(expected);
      if (expected.holdsExpired > 0) note(run, 'sweep expired a hold');
      if (expected.walletsWrittenOff > 0) note(run, 'sweep wrote off');
    }
  }
}

async function grantStep(run: Run, op: Extract<Op, { type: 'grant' }>): Promise<void> {
  const input: ledger.GrantInput = {
    accountId: run.accountId,
    kind: op.kind,
    amountMicros: BigInt(op.amount),
    expiresAtMs: op.expiresInMs === null ? null : run.nowMs + op.expiresInMs,
    source: 'property',
    idempotencyKey: nextKey(run, 'grant'),
  };
  const result = await ledger.grant(run.db, input, run.nowMs);
  expect(result.replayed).toBe(false);
  expect(result.grantId).not.toBeNull();
  run.grants.push({ input, result });
  run.model.addGrant({
    id: result.grantId!,
    kind: input.kind,
    amountMicros: input.amountMicros,
    remainingMicros: input.amountMicros,
    reservedMicros: 0n,
    expiresAtMs: input.expiresAtMs,
    createdAtMs: run.nowMs,
  });
}

async function replayGrantStep(run: Run, op: Extract<Op, { type: 'replayGrant' }>): Promise<void> {
  const earlier = run.grants[op.pick % Math.max(run.grants.length, 1)];
  if (!earlier) return;
  const input = op.sameBody ? earlier.input : { ...earlier.input, amountMicros: earlier.input.amountMicros + 1n };
  const result = await outcome(ledger.grant(run.db, input, run.nowMs));
  // Even after the grant's expiry has passed, a retry is a replay, not a new (refused) grant.
  if (op.sameBody) expect(result).toEqual({ ok: true, value: { ...earlier.result, replayed: true } });
  else expect(result).toEqual({ ok: false, status: 409, code: 'idempotency_conflict' });
  note(run, op.sameBody ? 'grant replayed' : 'grant conflict');
  if (earlier.input.expiresAtMs !== null && earlier.input.expiresAtMs <= run.nowMs) note(run, 'grant replayed after its expiry');
}

async function reserveStep(run: Run, op: Extract<Op, { type: 'reserve' }>): Promise<void> {
  const availableMicros = run.model.availableMicros(run.nowMs);
  const amountMicros =
    op.size === 'fit' ? (availableMicros * BigInt(op.permille)) / 1_000n : op.size === 'over' ? availableMicros + BigInt(op.micros) + 1n : BigInt(op.micros);
  const key = nextKey(run, 'hold');
  const planned = run.model.planReserve(amountMicros, run.nowMs);
  const result = await outcome(ledger.reserve(run.db, { accountId: run.accountId, amountMicros, idempotencyKey: key, ttlMs: op.ttlMs }, run.nowMs));
  // A reservation succeeds exactly when it fits in the live, unreserved credit.
  expect(result.ok).toBe(amountMicros <= availableMicros);
  if (!planned) {
    expect(result).toEqual({ ok: false, status: 402, code: 'insufficient_credits' });
    note(run, 'reserve refused');
    return;
  }
  if (!result.ok) throw new Error(`reserve of ${amountMicros} (available ${availableMicros}) failed with ${result.code}`);
  const hold = result.value;
  expectDrawnInSpendingOrder(run.model, hold.allocations, run.nowMs);
  expect(hold.allocations).toEqual(planned);
  expect(hold).toMatchObject({ accountId: run.accountId, amountMicros, status: 'pending', postedMicros: null, expiresAtMs: run.nowMs + op.ttlMs });
  const expiredBefore = run.model.expiredMicros;
  run.model.applyReserve({ id: hold.id, key, amountMicros, allocations: hold.allocations, expiresAtMs: hold.expiresAtMs }, run.nowMs);
  note(run, hold.allocations.length > 1 ? 'reserve across grants' : 'reserve');
  if (run.model.expiredMicros > expiredBefore) note(run, 'reserve wrote off');
  if (drewPromoBeforePaidAtEqualExpiry(run.model, hold.allocations)) note(run, 'promo before paid at equal expiry');
}

function drewPromoBeforePaidAtEqualExpiry(model: LedgerModel, allocations: ModelAllocation[]): boolean {
  const drawn = allocations.map((allocation) => model.grant(allocation.grantId));
  return drawn.some((grant, index) => index > 0 && grant.kind === 'paid' && drawn[index - 1]!.kind === 'promo' && grant.expiresAtMs === drawn[index - 1]!.expiresAtMs);
}

/**
 * The spending rules, checked on their own (the model comparison checks them too): only live
 * grants are drawn, in spending order (so promo before paid at equal expiry), and every grant
 * before the last one drawn is drawn dry.
 */
function expectDrawnInSpendingOrder(model: LedgerModel, allocations: ModelAllocation[], nowMs: number): void {
  const drawn = allocations.map((allocation) => model.grant(allocation.grantId));
  for (const grant of drawn) expect(isGrantExpired(grant, nowMs)).toBe(false);
  for (let index = 1; index < drawn.length; index += 1) expect(compareModelGrants(drawn[index - 1]!, drawn[index]!) < 0).toBe(true);
  const last = drawn.at(-1);
  if (!last) return;
  for (const grant of model.liveGrants(nowMs)) {
    if (compareModelGrants(grant, last) >= 0) continue;
    const taken = allocations.find((allocation) => allocation.grantId === grant.id)?.micros ?? 0n;
    expect(grant.remainingMicros - grant.reservedMicros - taken).toBe(0n);
  }
}

async function replayReserveStep(run: Run, op: Extract<Op, { type: 'replayReserve' }>): Promise<void> {
  const hold = run.model.holds[op.pick % Math.max(run.model.holds.length, 1)];
  if (!hold) return;
  const amountMicros = op.sameAmount ? hold.amountMicros : hold.amountMicros + 1n;
  const result = await outcome(ledger.reserve(run.db, { accountId: run.accountId, amountMicros, idempotencyKey: hold.key, ttlMs: 1_000 }, run.nowMs));
  if (!op.sameAmount) {
    expect(result).toEqual({ ok: false, status: 409, code: 'idempotency_conflict' });
    note(run, 'reserve conflict');
    return;
  }
  note(run, 'reserve replayed');
  expect(result.ok).toBe(true);
  if (result.ok) expect({ id: result.value.id, status: result.value.status, allocations: result.value.allocations }).toEqual({ id: hold.id, status: hold.status, allocations: hold.allocations });
}
