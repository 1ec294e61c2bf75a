// Runs one random operation against the real ledger and the reference model, and checks that
// both agree on the outcome: success or the exact error code, amounts, ids and allocations.
import { expect } from 'bun:test';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/schema';
import { ApiError } from '../../src/errors';
import * as ledger from '../../src/ledger/service';
import { compareModelGrants, isGrantExpired, type LedgerModel, type ModelAllocation } from './ledger-model';
import type { Op } from './property-ops';

export interface Run {
  db: Kysely<Database>;
  accountId: string;
  model: LedgerModel;
  nowMs: number;
  counter: number;
  grants: { input: ledger.GrantInput; result: ledger.GrantResult }[];
  posts: { key: string; holdId: string; amountMicros: bigint }[];
  /** How often each kind of outcome happened, so the test can show it covered them all. */
  seen: Map<string, number>;
}

function note(run: Run, what: string): void {
  run.seen.set(what, (run.seen.get(what) ?? 0) + 1);
}

type Outcome<T> = { ok: true; value: T } | { ok: false; status: number; code: string };

/** Domain errors become outcomes to compare; anything else (an invariant broke) fails the test. */
async function outcome<T>(promise: Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    if (error instanceof ApiError) return { ok: false, status: error.status, code: error.code };
    throw error;
  }
}

function nextKey(run: Run, what: string): string {
  run.counter += 1;
  return `${run.accountId}:${what}:${run.counter}`;
}

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
  if (op.sameBody) expect(result).toEqual({ ok: true, value: { ...earlier.result, replayed: true } });
  else expect(result).toEqual({ ok: false, status: 409, code: 'idempotency_conflict' });
  note(run, op.sameBody ? 'grant replayed' : 'grant conflict');
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
  for (let index = 1; index < drawn.length; index += 1) expect(compareModelGrants(drawn[index - 1]!, drawn[index]!)).toBe(-1);
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

async function postStep(run: Run, op: Extract<Op, { type: 'post' }>): Promise<void> {
  const hold = run.model.holds[op.pick % Math.max(run.model.holds.length, 1)];
  if (!hold) {
    const missing = await outcome(ledger.post(run.db, { holdId: 'hold_missing', amountMicros: 1n, idempotencyKey: nextKey(run, 'charge') }, run.nowMs));
    expect(missing).toEqual({ ok: false, status: 404, code: 'not_found' });
    return;
  }
  const amountMicros = op.over ? hold.amountMicros + BigInt(op.micros) : (hold.amountMicros * BigInt(op.permille)) / 1_000n;
  await postAndCompare(run, hold.id, amountMicros, nextKey(run, 'charge'));
}

async function replayPostStep(run: Run, op: Extract<Op, { type: 'replayPost' }>): Promise<void> {
  const earlier = run.posts[op.pick % Math.max(run.posts.length, 1)];
  if (!earlier) return;
  if (op.variant === 'same') return postAndCompare(run, earlier.holdId, earlier.amountMicros, earlier.key);
  if (op.variant === 'otherAmount') return postAndCompare(run, earlier.holdId, earlier.amountMicros + 1n, earlier.key);
  const other = run.model.holds.find((hold) => hold.id !== earlier.holdId);
  if (other) return postAndCompare(run, other.id, earlier.amountMicros, earlier.key);
}

/** Posts and compares with the model: replay, conflict, not pending, or the exact charge. */
async function postAndCompare(run: Run, holdId: string, amountMicros: bigint, key: string): Promise<void> {
  const hold = run.model.holds.find((candidate) => candidate.id === holdId)!;
  const prediction = run.model.predictPost(hold, amountMicros, key);
  run.posts.push({ key, holdId, amountMicros });
  const result = await outcome(ledger.post(run.db, { holdId, amountMicros, idempotencyKey: key }, run.nowMs));
  if (prediction.kind === 'error') {
    expect(result).toEqual({ ok: false, status: 409, code: prediction.code });
    note(run, `post ${prediction.code}`);
    return;
  }
  if (!result.ok) throw new Error(`post of ${amountMicros} on ${hold.status} hold failed with ${result.code}, expected ${prediction.kind}`);
  if (prediction.kind === 'replay') {
    const { transactionId, chargedMicros } = prediction.charge;
    expect(result.value).toEqual({ transactionId, chargedMicros, shortfallMicros: amountMicros - chargedMicros, replayed: true });
    note(run, 'post replayed');
    return;
  }
  // Expired grants are never drawn beyond what the hold itself reserved on them.
  const expected = run.model.applyPost(hold, amountMicros, key, result.value.transactionId, run.nowMs);
  expect(result.value).toEqual({ transactionId: result.value.transactionId, ...expected, replayed: false });
  note(run, amountMicros > hold.amountMicros ? (expected.shortfallMicros > 0n ? 'post over hold, shortfall' : 'post over hold, covered') : 'post within hold');
  if (hold.expiresAtMs <= run.nowMs) note(run, 'post of a hold past its expiry');
  if (hold.allocations.some((allocation) => isGrantExpired(run.model.grant(allocation.grantId), run.nowMs))) note(run, 'post on an expired grant');
}

async function voidStep(run: Run, op: Extract<Op, { type: 'void' }>): Promise<void> {
  const hold = run.model.holds[op.pick % Math.max(run.model.holds.length, 1)];
  if (!hold) return;
  const before = hold.status;
  const result = await outcome(ledger.cancel(run.db, hold.id, run.nowMs));
  note(run, `void ${before}`);
  if (before === 'posted') {
    expect(result).toEqual({ ok: false, status: 409, code: 'hold_not_pending' });
    return;
  }
  if (before === 'pending') run.model.release(hold, 'voided');
  expect(result.ok && result.value.status).toBe(hold.status);
}
