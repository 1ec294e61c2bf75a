// Settles gateway requests in batches: one transaction writes each request's row (its usage
// record, carrying its charge: posted or voided, drawn from the process's lease) and, per wallet,
// one ledger transaction holding the batch's money. What a batch writes is built once, as
// dialect-neutral rows (charge-rows.ts); Postgres applies them in one statement
// (settlement-postgres.ts), SQLite with multi-row statements (settlement-sqlite.ts).
// Callers wait for the commit, so a response never completes before its charge is durable.
import type { Kysely } from 'kysely';
import type { DbHandle } from '../db';
import { isSqlite } from '../db/dialect';
import type { Database } from '../db/schema';
import { TopFloors } from '../usage/top-floors';
import type { UsageRecord } from '../usage/service';
import { assert } from '../shared/assert';
import { buildChargeRows, type Charge, type ChargeRows, type DrawSource, type LeaseUpdate } from './charge-rows';
import type { Allocation } from './model';
import { applyPostgresRows, applyPostgresRowsIn } from './settlement-postgres';
import { applySqliteRows, applySqliteRowsAlone } from './settlement-sqlite';

export type { LeaseUpdate };

export interface SettlementItem {
  /** The request's hold id, chosen when it reserved; null for plan-billed usage (record only). */
  holdId: string | null;
  accountId: string;
  reservedMicros: bigint;
  reservedAtMs: number;
  outcome: 'posted' | 'voided' | 'record';
  chargeMicros: bigint;
  /** Where the charge comes from: the lease's grants (sum equals chargeMicros). */
  draws: Allocation[];
  leaseId: string | null;
  memo: string;
  record: UsageRecord | null;
}

// Per database handle, the most expensive requests written through it (src/usage/top-floors.ts).
const topFloors = new WeakMap<DbHandle, TopFloors>();

/** Writes a batch in one transaction. Throws if anything in it is off; nothing is then written. */
export async function settleBatch(handle: DbHandle, items: SettlementItem[], leases: LeaseUpdate[], nowMs: number): Promise<void> {
  const rows = buildChargeRows(items.map((item) => chargeOfItem(item, leaseSource(item), item.draws)), leases, nowMs);
  const floors = topFloors.get(handle) ?? new TopFloors();
  topFloors.set(handle, floors);
  const candidates = rows.usageTop;
  rows.usageTop = floors.candidates(candidates);
  if (handle.postgres) await applyPostgresRows(handle.postgres, rows);
  else await applySqliteRowsAlone(handle.db, rows);
  floors.note(candidates);
}

/** Applies charge rows inside the caller's transaction, in its database's form. */
export function applyChargeRows(trx: Kysely<Database>, rows: ChargeRows): Promise<void> {
  return isSqlite(trx) ? applySqliteRows(trx, rows) : applyPostgresRowsIn(trx, rows);
}

/** A gateway request's charge, drawn as `draws` from `source`. */
export function chargeOfItem(item: SettlementItem, source: DrawSource, draws: Allocation[]): Charge {
  if (item.outcome === 'posted') assert(item.record !== null, 'a charged request has its usage record');
  return {
    accountId: item.accountId,
    holdId: item.holdId,
    outcome: item.outcome,
    reservedMicros: item.reservedMicros,
    reservedAtMs: item.reservedAtMs,
    askedMicros: item.chargeMicros,
    draws: item.outcome === 'posted' ? draws : [],
    source,
    // A request's replay protection is its row's primary key (the record id); this key names
    // the charge only where it gets a transaction of its own (a standalone hold's post).
    idempotencyKey: `charge:${item.record?.id ?? item.holdId}`,
    memo: item.memo,
    record: item.record,
  };
}

function leaseSource(item: SettlementItem): DrawSource {
  if (item.outcome !== 'posted') return { kind: 'free' }; // draws nothing, so uses up nothing
  assert(item.leaseId !== null, 'a batched charge is drawn from a lease');
  return { kind: 'lease', leaseId: item.leaseId };
}
