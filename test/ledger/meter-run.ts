// The state of one run of the meter's model test: one account, two gateway processes (each on
// its own connection), the shared clock, and the model beside them.
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/schema';
import type { Reservation } from '../../src/ledger/meter';
import type { UsageRecord } from '../../src/usage/service';
import { MeterModel, type ModelProcess, type ModelRequest } from './meter-model';
import { RULES } from './meter-ops';
import { startProcess, type Machine, type Process } from './meter-processes';

export interface Proc {
  real: Process;
  model: ModelProcess;
  /** Reservations this process holds, real and modelled side by side, oldest first. */
  open: { reservation: Reservation; request: ModelRequest }[];
  generation: number;
}

export interface MeterRun {
  db: Kysely<Database>;
  kind: 'postgres' | 'sqlite';
  accountId: string;
  clock: { nowMs: number };
  model: MeterModel;
  machines: Machine[];
  processes: Proc[];
  /** Processes that died with work enqueued; never touched again. */
  crashed: Process[];
  counter: number;
  seen: Map<string, number>;
}

export function note(run: MeterRun, what: string): void {
  run.seen.set(what, (run.seen.get(what) ?? 0) + 1);
}

export function newRun(db: Kysely<Database>, kind: 'postgres' | 'sqlite', accountId: string, machines: Machine[], nowMs: number, seen: Map<string, number>): MeterRun {
  const run: MeterRun = { db, kind, accountId, clock: { nowMs }, model: null!, machines, processes: [], crashed: [], counter: 0, seen };
  run.model = new MeterModel(RULES, (what) => note(run, what));
  run.processes = machines.map((_, index) => spawn(run, index, 0));
  return run;
}

/** A fresh process on machine `index` (the old one closed or died). */
export function spawn(run: MeterRun, index: number, generation: number): Proc {
  const owner = `${run.accountId}:p${index}:g${generation}`;
  const real = startProcess(run.machines[index]!, run.kind, { owner, ...RULES, now: () => run.clock.nowMs });
  return { real, model: { owner, slot: null }, open: [], generation };
}

export function nextId(run: MeterRun, what: string): string {
  run.counter += 1;
  return `${run.accountId}-${what}${run.counter}`;
}

export function usageRecord(run: MeterRun, id: string, billing: 'credits' | 'plan'): UsageRecord {
  return {
    id,
    requestId: id,
    keyId: 'key_model_test',
    accountId: run.accountId,
    billing,
    endpoint: '/v1/chat/completions',
    model: 'model-test',
    upstream: null,
    statusCode: 200,
    outcome: 'ok',
    promptTokens: 1,
    completionTokens: 1,
    usageEstimated: false,
    costMicros: 0n,
    holdId: null,
    latencyMs: 1,
    ttftMs: null,
    createdAtMs: run.clock.nowMs,
  };
}

export function liveOwners(run: MeterRun): Set<string> {
  return new Set(run.processes.map((slot) => slot.model.owner));
}

/**
 * Deletes a finished run's money rows. The auditor reads the whole database after every
 * command, and its cost grows with every run that came before; each run audits only its own.
 */
export async function forgetAccount(db: Kysely<Database>, accountId: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (const table of ['ledger_entries', 'ledger_transactions', 'usage_records', 'usage_daily', 'usage_top', 'holds', 'leases', 'grants', 'wallets'] as const) {
      await trx.deleteFrom(table).where('account_id', '=', accountId).execute();
    }
  });
}
