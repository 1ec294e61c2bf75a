// The SQLite form of applying charge rows (charge-rows.ts): multi-row inserts and one update per
// wallet, grant, hold and lease, in the caller's transaction. It decides nothing about money; its
// only checks are guards that fail the transaction (so nothing is written) when a row it must
// update is gone: a hold no longer pending, a lease no longer open.
import type { CompiledQuery, Kysely } from 'kysely';
import { sqliteBatch } from '../db/sqlite-driver';
import type { Database } from '../db/schema';
import { insertUsageTop, upsertUsageDaily } from '../usage/rollup-statements';
import type { ChargeRows } from './charge-rows';

interface Statement {
  query: CompiledQuery;
  /** Rows it must change, when that is a guard; a different count fails the batch. */
  changes?: number;
  what?: string;
}

export async function applySqliteRows(trx: Kysely<Database>, rows: ChargeRows): Promise<void> {
  for (const statement of sqliteStatements(trx, rows)) {
    const result = await trx.executeQuery(statement.query);
    if (statement.changes !== undefined && result.numAffectedRows !== BigInt(statement.changes)) {
      throw new Error(`charge rows: ${statement.what} changed ${result.numAffectedRows} rows, expected ${statement.changes}`);
    }
  }
}

/**
 * Applies the rows as a transaction of their own, sent to the database's worker in one message
 * (the fast path: one round trip per batch rather than one per statement, BEGIN and COMMIT included).
 */
export async function applySqliteRowsAlone(db: Kysely<Database>, rows: ChargeRows): Promise<void> {
  const statements = sqliteStatements(db, rows).map(({ query, changes, what }) => ({ sql: query.sql, parameters: query.parameters, changes, what: what && `charge rows: ${what}` }));
  await db.executeQuery(sqliteBatch(statements));
}

function sqliteStatements(db: Kysely<Database>, rows: ChargeRows): Statement[] {
  const statements: Statement[] = [];
  for (const wallet of rows.wallets) {
    const query = db
      .updateTable('wallets')
      .set((eb) => ({ balance_micros: eb('balance_micros', '-', wallet.spent_micros), reserved_micros: eb('reserved_micros', '-', wallet.released_micros), updated_at_ms: wallet.updated_at_ms }))
      .where('account_id', '=', wallet.account_id);
    statements.push({ query: query.compile(), changes: 1, what: `wallet ${wallet.account_id}` });
  }
  for (const lease of rows.leases) {
    // Before anything is drawn: a lease the sweeper closed gave its credit back, and drawing on
    // it would take that credit twice.
    const query = db
      .updateTable('leases')
      .set((eb) => ({
        amount_micros: eb('amount_micros', '-', lease.drawn_micros),
        captured_micros: eb('captured_micros', '+', lease.drawn_micros),
        allocations: lease.allocations,
        expires_at_ms: lease.expires_at_ms,
        updated_at_ms: lease.updated_at_ms,
      }))
      .where('id', '=', lease.id)
      .where('status', '=', 'open');
    statements.push({ query: query.compile(), changes: 1, what: `open lease ${lease.id}` });
  }
  for (const hold of rows.holdResolutions) {
    const query = db.updateTable('holds').set({ status: hold.status, posted_micros: hold.posted_micros, resolved_at_ms: hold.resolved_at_ms }).where('id', '=', hold.id).where('status', '=', 'pending');
    statements.push({ query: query.compile(), changes: 1, what: `pending hold ${hold.id}` });
  }
  if (rows.transactions.length > 0) statements.push({ query: db.insertInto('ledger_transactions').values(rows.transactions).compile() });
  if (rows.entries.length > 0) statements.push({ query: db.insertInto('ledger_entries').values(rows.entries).compile() });
  if (rows.usage.length > 0) statements.push({ query: db.insertInto('usage_records').values(rows.usage).compile() });
  // The console's rollups of those records, in the same transaction (src/usage/rollup.ts).
  if (rows.usageDaily.length > 0) statements.push({ query: upsertUsageDaily(db, rows.usageDaily) });
  if (rows.usageTop.length > 0) statements.push({ query: insertUsageTop(db, rows.usageTop) });
  for (const grant of rows.grants) {
    const query = db
      .updateTable('grants')
      .set((eb) => ({ remaining_micros: eb('remaining_micros', '-', grant.spent_micros), reserved_micros: eb('reserved_micros', '-', grant.released_micros) }))
      .where('id', '=', grant.id);
    statements.push({ query: query.compile(), changes: 1, what: `grant ${grant.id}` });
  }
  return statements;
}
