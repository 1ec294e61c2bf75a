// Runs one command against the real processes and the model side by side, comparing every
// answer the meter gives (each reservation's success, each settlement's charge, each sweep).
import { expect } from 'bun:test';
import { ApiError } from '../../src/errors';
import * as ledger from '../../src/ledger/service';
import { whileAnswering } from './meter-answers';
import { flushItems, recordItem, releaseItem, settleItem, type ModelItem } from './meter-model-settle';
import type { MeterCommand, SettleChoice, SettleMode } from './meter-ops';
import { liveOwners, nextId, note, spawn, usageRecord, type MeterRun, type Proc } from './meter-run';

export async function runCommand(run: MeterRun, command: MeterCommand): Promise<void> {
  switch (command.type) {
    case 'grant':
      return addGrant(run, command);
    case 'reserve':
      return reserveBurst(run, run.processes[command.process]!, command.asks);
    case 'settle':
      return settleBurst(run, run.processes[command.process]!, command.items);
    case 'advance':
      run.clock.nowMs += command.ms;
      if (command.tick) await tickAll(run);
      return;
    case 'stall':
      run.clock.nowMs += command.ms;
      return sweep(run);
    case 'sweep':
      return sweep(run);
    case 'crash':
      return crash(run, command.process, command.acknowledged);
    case 'close':
      return closeProcess(run, command.process);
  }
}

async function sweep(run: MeterRun): Promise<void> {
  const expected = run.model.sweep(run.clock.nowMs, liveOwners(run));
  expect(await ledger.sweep(run.db, run.clock.nowMs)).toEqual(expected);
}

async function addGrant(run: MeterRun, command: Extract<MeterCommand, { type: 'grant' }>): Promise<void> {
  const nowMs = run.clock.nowMs;
  const expiresAtMs = command.expiresInMs === null ? null : nowMs + command.expiresInMs;
  const amountMicros = BigInt(command.micros);
  const result = await ledger.grant(run.db, { accountId: run.accountId, kind: command.kind, amountMicros, expiresAtMs, source: 'admin', idempotencyKey: nextId(run, 'grant') }, nowMs);
  run.model.books.addGrant({ id: result.grantId!, kind: command.kind, amountMicros, remainingMicros: amountMicros, reservedMicros: 0n, expiresAtMs, createdAtMs: nowMs });
}

async function reserveBurst(run: MeterRun, proc: Proc, asks: { permille: number; micros: number }[]): Promise<void> {
  const nowMs = run.clock.nowMs;
  const slot = proc.model.slot;
  const reachableMicros = run.model.books.availableMicros(nowMs) + (slot && !slot.dead ? slot.availableMicros : 0n);
  const planned = asks.map((ask) => {
    const amountMicros = (reachableMicros * BigInt(ask.permille)) / 1_000n + BigInt(ask.micros);
    return { holdId: nextId(run, 'hold'), recordId: nextId(run, 'use'), amountMicros: amountMicros > 0n ? amountMicros : 1n };
  });
  const others = run.processes.filter((other) => other !== proc);
  const predicted = run.model.reserveBurst(proc.model, others.map((other) => other.model), planned, nowMs);
  const results = await whileAnswering(run, proc, () => Promise.allSettled(planned.map((ask) => proc.real.meter.reserve(run.accountId, ask.amountMicros, ask.holdId))));
  expect(run.clock.nowMs).toBe(predicted.nowMs);
  if (planned.length > 1) note(run, 'burst of reservations');
  for (const [index, result] of results.entries()) {
    const request = predicted.results[index];
    if (result.status === 'rejected') {
      if (!(result.reason instanceof ApiError)) throw result.reason;
      expect({ status: result.reason.status, code: result.reason.code, modelled: request ? 'reserved' : 'refused' }).toEqual({ status: 402, code: 'insufficient_credits', modelled: 'refused' });
      continue;
    }
    expect(request ? 'reserved' : 'refused').toBe('reserved');
    expect(result.value.amountMicros).toBe(planned[index]!.amountMicros);
    proc.open.push({ reservation: result.value, request: request! });
  }
  await proc.real.idle(); // a reserve's asks are all written before the next command
}

function chargeFor(mode: SettleMode, amountMicros: bigint, choice: SettleChoice): bigint {
  if (mode === 'below') return (amountMicros * BigInt(choice.permille)) / 1_000n;
  if (mode === 'above') return amountMicros + BigInt(choice.micros);
  return mode === 'zero' ? 0n : amountMicros;
}

/** Issues every settlement at once (they queue behind the first batch), then awaits them all. */
async function settleBurst(run: MeterRun, proc: Proc, choices: SettleChoice[]): Promise<void> {
  const modelItems: ModelItem[] = [];
  const answers: Promise<bigint | void>[] = [];
  for (const choice of choices) {
    if (choice.mode === 'record' || proc.open.length === 0) {
      const recordId = nextId(run, 'use');
      modelItems.push(recordItem(recordId));
      answers.push(proc.real.meter.record(usageRecord(run, recordId, 'plan')));
      note(run, 'usage recorded without money');
      continue;
    }
    const { reservation, request } = proc.open.splice(choice.pick % proc.open.length, 1)[0]!;
    const record = usageRecord(run, request.recordId, 'credits');
    if (choice.mode === 'release') {
      modelItems.push(releaseItem(request));
      answers.push(proc.real.meter.release(reservation, record, 'model test'));
      note(run, 'reservation released');
      continue;
    }
    const askedMicros = chargeFor(choice.mode, request.amountMicros, choice);
    if (choice.mode !== 'above') note(run, askedMicros === 0n ? 'settle of nothing' : askedMicros === request.amountMicros ? 'settle at the reservation' : 'settle below the reservation');
    modelItems.push(settleItem(run.model, request, askedMicros));
    answers.push(proc.real.meter.settle(reservation, askedMicros, record, 'model test'));
  }
  const charged = flushItems(run.model, proc.model, modelItems, run.clock.nowMs);
  const results = await Promise.all(answers);
  const expected = modelItems.map((item) => (item.outcome === 'posted' ? charged.get(item) : undefined));
  expect(results).toEqual(expected);
  await proc.real.idle(); // a tight lease goes back right after its last settlement, unawaited
}

/**
 * One after the other. Needed while SQLite ran on the JS thread (a busy_timeout wait blocked it
 * while the other connection's transaction held the write lock); with each connection on its
 * own worker it is no longer needed, but keeps each tick's writes in a fixed order.
 */
async function tickAll(run: MeterRun): Promise<void> {
  for (const proc of run.processes) {
    run.model.tidy(proc.model, run.clock.nowMs);
    proc.real.tick();
    await proc.real.idle();
  }
}

/** Settles some requests (answered, so committed), then dies with the rest enqueued. */
async function crash(run: MeterRun, index: number, acknowledged: number): Promise<void> {
  const proc = run.processes[index]!;
  const answered = proc.open.slice(0, acknowledged);
  if (answered.length > 0) await settleBurst(run, proc, answered.map(() => ({ pick: 0, mode: 'exact', permille: 0, micros: 0 })));
  proc.real.freeze();
  for (const { reservation, request } of proc.open) {
    // Never answered: the process is gone before its batch reaches the database.
    void proc.real.meter.settle(reservation, request.amountMicros, usageRecord(run, request.recordId, 'credits'), 'lost').catch(() => {});
    request.state = 'lost';
  }
  note(run, proc.open.length > 0 ? 'crash with settlements enqueued' : 'crash with nothing enqueued');
  run.crashed.push(proc.real);
  run.processes[index] = spawn(run, index, proc.generation + 1);
}

export async function closeProcess(run: MeterRun, index: number): Promise<void> {
  const proc = run.processes[index]!;
  if (proc.open.length > 0) await settleBurst(run, proc, proc.open.map(() => ({ pick: 0, mode: 'release', permille: 0, micros: 0 })));
  run.model.close(proc.model);
  await proc.real.meter.close();
  run.processes[index] = spawn(run, index, proc.generation + 1);
}
