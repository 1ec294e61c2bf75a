// Adapts bun:sqlite to the small interface Kysely's own SqliteDialect expects, so the embedded
// database needs no extra package. One connection, hence one writer, per process.
import { Database as BunDatabase } from 'bun:sqlite';
import { dirname } from 'node:path';
import type { SqliteDatabase, SqliteStatement } from 'kysely';
import { prepareDataDirectory, restrictDatabaseFiles } from './permissions';

export function openSqlite(path: string): { database: SqliteDatabase; close: () => void } {
  prepareDataDirectory(dirname(path));
  restrictDatabaseFiles(path);
  // safeIntegers: every INTEGER comes back as bigint, so money never passes through a float.
  const sqlite = new BunDatabase(path, { create: true, safeIntegers: true, strict: false });
  // Another process (a second `inferport migrate`) may hold the write lock briefly. Set first:
  // the pragmas below need the lock too.
  sqlite.exec('PRAGMA busy_timeout = 10000');
  switchToWal(sqlite);
  // FULL: a commit that answered is on disk, even after power loss (NORMAL would lose the tail).
  sqlite.exec('PRAGMA synchronous = FULL');
  sqlite.exec('PRAGMA foreign_keys = ON');

  const database: SqliteDatabase = {
    close: () => sqlite.close(),
    prepare(sql: string): SqliteStatement {
      // Kysely opens transactions with a plain BEGIN, which takes the write lock lazily and can
      // fail with SQLITE_BUSY on upgrade; IMMEDIATE takes it up front, waiting on busy_timeout.
      const text = sql === 'begin' ? 'begin immediate' : sql;
      const statement = sqlite.query(text);
      return {
        reader: statement.columnNames.length > 0,
        all: (parameters) => statement.all(...(parameters as never[])) as unknown[],
        run: (parameters) => statement.run(...(parameters as never[])),
        iterate: (parameters) => statement.iterate(...(parameters as never[])) as IterableIterator<unknown>,
      };
    },
  };
  return { database, close: () => sqlite.close() };
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
