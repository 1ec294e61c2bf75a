// The few places where PostgreSQL and SQLite differ, kept together so services stay dialect-free.
import { sql, SqliteAdapter, type Kysely, type Transaction } from 'kysely';

export function isSqlite(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof SqliteAdapter;
}

/**
 * Row locking. Postgres locks the selected rows (FOR UPDATE); SQLite has no row locks, but every
 * transaction there starts with BEGIN IMMEDIATE (see sqlite.ts) and so already holds the one
 * write lock of the database.
 */
export function withRowLock<Q extends { forUpdate: () => Q }>(db: Kysely<any>, query: Q): Q {
  return isSqlite(db) ? query : query.forUpdate();
}

/**
 * Runs `read` on one consistent snapshot of the database, however many statements it makes, so
 * a reader that compares tables (the auditor) never sees half of a concurrent write. Postgres:
 * a REPEATABLE READ transaction. SQLite: any transaction (BEGIN IMMEDIATE) already is one.
 */
export function readSnapshot<DB, T>(db: Kysely<DB>, read: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    if (!isSqlite(db)) await sql`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY`.execute(trx);
    return read(trx);
  });
}
