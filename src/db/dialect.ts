// The few places where PostgreSQL and SQLite differ, kept together so services stay dialect-free.
import { SqliteAdapter, type Kysely } from 'kysely';

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
