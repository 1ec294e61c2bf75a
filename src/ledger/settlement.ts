// Settles gateway requests in batches: one transaction writes each request's hold (posted or
// voided), its charge with entries drawn from the process's lease, and its usage record: on
// Postgres as one statement (settlement-postgres.ts), on SQLite as multi-row statements. Callers wait for the
// commit, so a response never completes before its charge is durable.
import { sql, type CompiledQuery, type Insertable } from 'kysely';
import type { HoldsTable, LedgerEntriesTable, LedgerTransactionsTable } from '../db/schema';
import type { DbHandle } from '../db';
import { usageRow, type UsageRecord } from '../usage/service';
import { assert } from '../shared/assert';
import { newId } from '../shared/ids';
import { SYSTEM_ACCOUNTS, type Allocation } from './model';
import { allocationsToJson } from './rows';
import { runPostgresBatch, type PostgresBatch } from './settlement-postgres';

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

export interface LeaseUpdate {
  leaseId: string;
  accountId: string;
  drawnMicros: bigint;
  allocations: Allocation[];
  expiresAtMs: number;
}


/** Writes a batch in one transaction. Throws if anything in it is off; nothing is then written. */
export async function settleBatch(handle: DbHandle, items: SettlementItem[], leases: LeaseUpdate[], nowMs: number): Promise<void> {
  const rows = batchRows(items, leases);
  if (handle.postgres) return runPostgresBatch(handle.postgres, toPostgresBatch(rows, nowMs), nowMs);
  await handle.db.transaction().execute(async (trx) => {
    for (const query of sqliteStatements(handle, rows, nowMs)) await trx.executeQuery(query);
  });
}

/** The rows a batch writes, per table, in the dialect-neutral shape of the Database interface. */
interface BatchRows {
  wallets: { accountId: string; totalMicros: bigint }[];
  holds: Insertable<HoldsTable>[];
  transactions: Insertable<LedgerTransactionsTable>[];
  entries: Omit<Insertable<LedgerEntriesTable>, 'created_at_ms'>[];
  usage: ReturnType<typeof usageRow>[];
  grants: { id: string; micros: bigint }[];
  leases: LeaseUpdate[];
}

function batchRows(items: SettlementItem[], leases: LeaseUpdate[]): BatchRows {
  const held = items.filter((item) => item.outcome !== 'record');
  const posted = items.filter((item) => item.outcome === 'posted');
  const transactionIds = posted.map(() => newId('txn'));
  const holds = held.map((item) => ({
    id: item.holdId!,
    account_id: item.accountId,
    idempotency_key: `request:${item.holdId}`,
    amount_micros: item.reservedMicros,
    allocations: '[]',
    status: item.outcome === 'posted' ? ('posted' as const) : ('voided' as const),
    posted_micros: item.outcome === 'posted' ? item.chargeMicros : null,
    expires_at_ms: 0n, // set to the batch time when written
    created_at_ms: BigInt(item.reservedAtMs),
    resolved_at_ms: null,
  }));
  const transactions = posted.map((item, index) => ({
    id: transactionIds[index]!,
    idempotency_key: `charge:${item.record!.id}`,
    fingerprint: `charge|${item.holdId}|${item.chargeMicros}`,
    kind: 'charge' as const,
    account_id: item.accountId,
    amount_micros: item.chargeMicros,
    hold_id: item.holdId,
    memo: item.memo,
    created_at_ms: 0n,
  }));
  const entries = posted.flatMap((item, index) => {
    const drawn = item.draws.reduce((sum, draw) => sum + draw.micros, 0n);
    assert(drawn === item.chargeMicros, `a charge is drawn in full from its lease (${drawn} != ${item.chargeMicros})`);
    if (item.chargeMicros === 0n) return [];
    const transactionId = transactionIds[index]!;
    return [
      ...item.draws.map((draw) => ({ transaction_id: transactionId, book: 'grant' as const, ledger_account: draw.grantId, account_id: item.accountId, amount_micros: -draw.micros })),
      { transaction_id: transactionId, book: 'system' as const, ledger_account: SYSTEM_ACCOUNTS.revenue, account_id: item.accountId, amount_micros: item.chargeMicros },
    ];
  });
  const usage = items.filter((item) => item.record !== null).map((item) => usageRow({ ...item.record!, costMicros: item.outcome === 'posted' ? item.chargeMicros : 0n }));
  const byGrant = new Map<string, bigint>();
  for (const item of posted) for (const draw of item.draws) byGrant.set(draw.grantId, (byGrant.get(draw.grantId) ?? 0n) + draw.micros);
  const byAccount = new Map<string, bigint>();
  for (const lease of leases) if (lease.drawnMicros > 0n) byAccount.set(lease.accountId, (byAccount.get(lease.accountId) ?? 0n) + lease.drawnMicros);
  return {
    wallets: [...byAccount].sort(([a], [b]) => (a < b ? -1 : 1)).map(([accountId, totalMicros]) => ({ accountId, totalMicros })),
    holds,
    transactions,
    entries,
    usage,
    grants: [...byGrant].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, micros]) => ({ id, micros })),
    leases,
  };
}

function toPostgresBatch(rows: BatchRows, nowMs: number): PostgresBatch {
  const text = (value: bigint | number | null | undefined) => (value === null || value === undefined ? null : String(value));
  return {
    wallets: rows.wallets.map((wallet) => ({ account_id: wallet.accountId, total: String(wallet.totalMicros) })),
    holds: rows.holds.map((hold) => ({ id: hold.id, account_id: hold.account_id, idempotency_key: hold.idempotency_key, amount_micros: text(hold.amount_micros), status: hold.status, posted_micros: text(hold.posted_micros), created_at_ms: text(hold.created_at_ms) })),
    transactions: rows.transactions.map((row) => ({ id: row.id, idempotency_key: row.idempotency_key, fingerprint: row.fingerprint, account_id: row.account_id, amount_micros: text(row.amount_micros), hold_id: row.hold_id ?? null, memo: row.memo ?? null })),
    entries: rows.entries.map((row) => ({ transaction_id: row.transaction_id, book: row.book, ledger_account: row.ledger_account, account_id: row.account_id, amount_micros: String(row.amount_micros) })),
    usage: rows.usage.map((row) => ({ ...row, prompt_tokens: String(row.prompt_tokens), completion_tokens: String(row.completion_tokens), cost_micros: String(row.cost_micros), created_at_ms: String(row.created_at_ms) })),
    grants: rows.grants.map((grant) => ({ id: grant.id, micros: String(grant.micros) })),
    leases: rows.leases.map((lease) => ({ id: lease.leaseId, drawn: String(lease.drawnMicros), allocations: allocationsToJson(lease.allocations), expires_at_ms: String(lease.expiresAtMs), updated_at_ms: String(nowMs) })),
  };
}

function sqliteStatements(handle: DbHandle, rows: BatchRows, nowMs: number): CompiledQuery[] {
  const db = handle.db;
  const now = BigInt(nowMs);
  const queries: CompiledQuery[] = [];
  for (const wallet of rows.wallets) {
    queries.push(db.updateTable('wallets').set((eb) => ({ balance_micros: eb('balance_micros', '-', wallet.totalMicros), updated_at_ms: now })).where('account_id', '=', wallet.accountId).compile());
  }
  if (rows.holds.length > 0) queries.push(db.insertInto('holds').values(rows.holds.map((hold) => ({ ...hold, expires_at_ms: now, resolved_at_ms: now }))).compile());
  if (rows.transactions.length > 0) queries.push(db.insertInto('ledger_transactions').values(rows.transactions.map((row) => ({ ...row, created_at_ms: now }))).compile());
  if (rows.entries.length > 0) queries.push(db.insertInto('ledger_entries').values(rows.entries.map((row) => ({ ...row, created_at_ms: now }))).compile());
  if (rows.usage.length > 0) queries.push(db.insertInto('usage_records').values(rows.usage).compile());
  for (const grant of rows.grants) {
    queries.push(
      db.updateTable('grants').set((eb) => ({ remaining_micros: eb('remaining_micros', '-', grant.micros), reserved_micros: eb('reserved_micros', '-', grant.micros) })).where('id', '=', grant.id).compile(),
    );
  }
  for (const lease of rows.leases) {
    // A lease the sweeper closed holds 0: subtracting from it breaks a CHECK and fails the batch.
    queries.push(
      db
        .updateTable('leases')
        .set((eb) => ({
          amount_micros: eb('amount_micros', '-', lease.drawnMicros),
          captured_micros: eb('captured_micros', '+', lease.drawnMicros),
          allocations: sql<string>`CASE WHEN status = 'open' THEN ${allocationsToJson(lease.allocations)} ELSE allocations END`,
          expires_at_ms: BigInt(lease.expiresAtMs),
          updated_at_ms: now,
        }))
        .where('id', '=', lease.leaseId)
        .compile(),
    );
  }
  return queries;
}
