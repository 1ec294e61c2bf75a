// The SQLite form of applying charge rows (charge-rows.ts): one fixed statement per table, run
// once per row, and one guarded update per wallet, grant, hold and lease, in one transaction. It
// decides nothing about money; its only checks are guards that fail the transaction (so nothing
// is written) when a row it must update is gone: a hold no longer pending, a lease no longer open.
//
// The statements are plain SQL text, the same for every batch: building and compiling them with
// Kysely took a third of the gateway's CPU per request at c=64 (the batch's multi-row inserts
// were new SQL each time), and one text per table lets SQLite keep each statement prepared.
import { CompiledQuery, type Kysely } from 'kysely';
import { sqliteBatch } from '../db/sqlite-driver';
import type { BatchStatement } from '../db/sqlite-protocol';
import type { Database } from '../db/schema';
import { TOP_REQUESTS } from '../usage/rollup';
import type { ChargeRows } from './charge-rows';

/** Applies the rows inside the caller's transaction (the fallback, a standalone hold's post). */
export async function applySqliteRows(trx: Kysely<Database>, rows: ChargeRows): Promise<void> {
  for (const statement of sqliteStatements(rows)) {
    for (const parameters of statement.rows ?? [statement.parameters]) {
      const result = await trx.executeQuery(CompiledQuery.raw(statement.sql, [...parameters]));
      if (statement.changes !== undefined && result.numAffectedRows !== BigInt(statement.changes)) {
        throw new Error(`${statement.what} changed ${result.numAffectedRows} rows, expected ${statement.changes}`);
      }
    }
  }
}

/**
 * Applies the rows as a transaction of their own, sent to the database's worker in one message
 * (the fast path: one round trip per batch rather than one per statement, BEGIN and COMMIT included).
 */
export async function applySqliteRowsAlone(db: Kysely<Database>, rows: ChargeRows): Promise<void> {
  await db.executeQuery(sqliteBatch(sqliteStatements(rows)));
}

const UPDATE_WALLET = 'UPDATE wallets SET balance_micros = balance_micros - ?, reserved_micros = reserved_micros - ?, updated_at_ms = ? WHERE account_id = ?';
// Before anything is drawn: a lease the sweeper closed gave its credit back, and drawing on it
// would take that credit twice.
const UPDATE_LEASE =
  "UPDATE leases SET amount_micros = amount_micros - ?1, captured_micros = captured_micros + ?1, allocations = ?2, expires_at_ms = ?3, updated_at_ms = ?4 WHERE id = ?5 AND status = 'open'";
const UPDATE_HOLD = "UPDATE holds SET status = ?, posted_micros = ?, resolved_at_ms = ? WHERE id = ? AND status = 'pending'";
const UPDATE_GRANT = 'UPDATE grants SET remaining_micros = remaining_micros - ?, reserved_micros = reserved_micros - ? WHERE id = ?';
// The console's rollups of the records, in the same transaction (src/usage/rollup.ts): each row
// adds into its day's rollup; a request enters usage_top unless 10 kept ones of its day beat it
// (run row by row, each sees those of the batch kept before it, which keeps fewer, never too few).
const UPSERT_USAGE_DAILY = `INSERT INTO usage_daily (account_id, day_index, model, upstream, requests, prompt_tokens, completion_tokens, cost_micros)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (account_id, day_index, model, upstream) DO UPDATE SET requests = usage_daily.requests + excluded.requests,
  prompt_tokens = usage_daily.prompt_tokens + excluded.prompt_tokens, completion_tokens = usage_daily.completion_tokens + excluded.completion_tokens,
  cost_micros = usage_daily.cost_micros + excluded.cost_micros`;
const INSERT_USAGE_TOP = `INSERT INTO usage_top (account_id, day_index, cost_micros, record_id) SELECT ?1, ?2, ?3, ?4
  WHERE (SELECT count(*) FROM (SELECT 1 FROM usage_top t WHERE t.account_id = ?1 AND t.day_index = ?2 AND (t.cost_micros, t.record_id) > (?3, ?4) LIMIT ${TOP_REQUESTS})) < ${TOP_REQUESTS}`;

function sqliteStatements(rows: ChargeRows): BatchStatement[] {
  const statements: BatchStatement[] = [];
  for (const wallet of rows.wallets) {
    statements.push(guarded(UPDATE_WALLET, [wallet.spent_micros, wallet.released_micros, wallet.updated_at_ms, wallet.account_id], `wallet ${wallet.account_id}`));
  }
  for (const lease of rows.leases) {
    statements.push(guarded(UPDATE_LEASE, [lease.drawn_micros, lease.allocations, lease.expires_at_ms, lease.updated_at_ms, lease.id], `open lease ${lease.id}`));
  }
  for (const hold of rows.holdResolutions) {
    statements.push(guarded(UPDATE_HOLD, [hold.status, hold.posted_micros, hold.resolved_at_ms, hold.id], `pending hold ${hold.id}`));
  }
  addInsert(statements, 'ledger_transactions', rows.transactions);
  addInsert(statements, 'ledger_entries', rows.entries);
  addInsert(statements, 'usage_records', rows.usage);
  if (rows.usageDaily.length > 0) {
    statements.push({
      sql: UPSERT_USAGE_DAILY,
      parameters: [],
      rows: rows.usageDaily.map((d) => [d.account_id, d.day_index, d.model, d.upstream, d.requests, d.prompt_tokens, d.completion_tokens, d.cost_micros]),
    });
  }
  if (rows.usageTop.length > 0) {
    statements.push({ sql: INSERT_USAGE_TOP, parameters: [], rows: rows.usageTop.map((t) => [t.account_id, t.day_index, t.cost_micros, t.record_id]) });
  }
  for (const grant of rows.grants) {
    statements.push(guarded(UPDATE_GRANT, [grant.spent_micros, grant.released_micros, grant.id], `grant ${grant.id}`));
  }
  return statements;
}

function guarded(sql: string, parameters: unknown[], what: string): BatchStatement {
  return { sql, parameters, changes: 1, what: `charge rows: ${what}` };
}

// One INSERT text per table and column list (the rows of a table all have the same columns).
const insertSql = new Map<string, string>();

function addInsert(statements: BatchStatement[], table: string, rows: readonly object[]): void {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!);
  const signature = `${table}(${columns.join(',')})`;
  let sql = insertSql.get(signature);
  if (sql === undefined) {
    sql = `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
    insertSql.set(signature, sql);
  }
  statements.push({ sql, parameters: [], rows: rows.map((row) => columns.map((column) => (row as Record<string, unknown>)[column])) });
}
