// Opens the bun:sqlite connections an SQLite worker owns, and runs one statement on them. Runs on
// the worker's thread: everything here is synchronous and may wait on the disk.
import { Database as BunDatabase } from 'bun:sqlite';
import type { BatchStatement, StatementResult } from './sqlite-protocol';

/** A WAL longer than this is cut back to it when it restarts (a very large transaction grew it). */
const JOURNAL_SIZE_LIMIT_BYTES = 16 * 1024 * 1024;

export function openConnection(path: string, role: 'writer' | 'checkpointer'): BunDatabase {
  // safeIntegers: every INTEGER comes back as bigint, so money never passes through a float.
  const sqlite = new BunDatabase(path, { create: true, safeIntegers: true, strict: false });
  try {
    // Another process (a second `inferport migrate`) may hold the write lock briefly. Set first:
    // the pragmas below need the lock too. The checkpointer waits less: while it holds the lock
    // for a RESTART or TRUNCATE, the writer waits on it.
    sqlite.exec(`PRAGMA busy_timeout = ${role === 'writer' ? 10_000 : 200}`);
    if (role === 'writer') switchToWal(sqlite);
    // FULL: a commit that answered is on disk, even after power loss (NORMAL would lose the tail).
    sqlite.exec('PRAGMA synchronous = FULL');
    sqlite.exec('PRAGMA foreign_keys = ON');
    // No commit ever runs a checkpoint: the checkpointer thread does them (sqlite-checkpoint.ts).
    sqlite.exec('PRAGMA wal_autocheckpoint = 0');
    sqlite.exec(`PRAGMA journal_size_limit = ${JOURNAL_SIZE_LIMIT_BYTES}`);
    return sqlite;
  } catch (error) {
    sqlite.close();
    throw error;
  }
}

/** Runs one statement. Readers (SELECT, RETURNING) return rows; the others what they changed. */
export function runStatement(sqlite: BunDatabase, sql: string, parameters: readonly unknown[]): StatementResult {
  const statement = sqlite.query(sql);
  if (statement.columnNames.length > 0) return { rows: statement.all(...(parameters as never[])) as unknown[] };
  const { changes, lastInsertRowid } = statement.run(...(parameters as never[]));
  return { rows: [], changes, lastInsertRowid };
}

/**
 * Runs statements as one transaction (BEGIN IMMEDIATE … COMMIT) in one call, so a settlement
 * batch costs one message to the worker instead of one per statement. Anything that throws, a
 * failed guard or a failed COMMIT (a full disk), rolls the whole transaction back.
 */
export function runBatch(sqlite: BunDatabase, statements: readonly BatchStatement[]): StatementResult {
  sqlite.exec('BEGIN IMMEDIATE');
  try {
    for (const statement of statements) {
      if (statement.rows) {
        const prepared = sqlite.query(statement.sql);
        for (const row of statement.rows) checkChanges(statement, prepared.run(...(row as never[])).changes);
      } else {
        checkChanges(statement, runStatement(sqlite, statement.sql, statement.parameters).changes);
      }
    }
    sqlite.exec('COMMIT');
  } catch (error) {
    if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
    throw error;
  }
  return { rows: [] };
}

function checkChanges(statement: BatchStatement, changes: number | bigint | undefined): void {
  if (statement.changes !== undefined && changes !== undefined && Number(changes) !== statement.changes) {
    throw new Error(`${statement.what ?? 'a guarded statement'} changed ${changes} rows, expected ${statement.changes}`);
  }
}

/**
 * Two processes switching a new file to WAL at the same moment get SQLITE_BUSY even with a busy
 * timeout (the switch does not wait on the handler), so the switch is retried for a while.
 */
function switchToWal(sqlite: BunDatabase): void {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      sqlite.exec('PRAGMA journal_mode = WAL');
      return;
    } catch (error) {
      if (!/SQLITE_BUSY|locked/i.test(String((error as Error).message ?? error)) || Date.now() > deadline) throw error;
      Bun.sleepSync(10 + Math.random() * 40);
    }
  }
}
