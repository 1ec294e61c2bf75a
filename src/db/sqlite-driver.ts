// A Kysely dialect for the embedded database whose statements run on a worker thread. Kysely's
// own SqliteDialect calls a synchronous driver on the event loop, so each commit's fsync stalled
// every request and stream of the process. The SqliteAdapter stays: it tells Kysely there is one
// connection (Kysely then serializes its users with a mutex) and `isSqlite` recognises it.
import {
  CompiledQuery,
  SelectQueryNode,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
} from 'kysely';
import type { BatchStatement, CheckpointPolicy } from './sqlite-protocol';
import { SqliteWorkerClient } from './sqlite-worker-client';
import { log } from '../logs/logger';

const NO_TRANSACTION = /cannot rollback - no transaction is active/;

// A batch reaches the driver as a query, so that it takes Kysely's connection lock like any other
// (the adapter's one connection: nothing else runs inside it); this text marks it, its one
// parameter holds the statements. It is never sent to SQLite as SQL.
const BATCH_SQL = '/* inferport: statements run as one transaction */';

/** Statements the worker runs as one transaction in one message; a guard that fails rolls it all back. */
export function sqliteBatch(statements: readonly BatchStatement[]): CompiledQuery {
  return CompiledQuery.raw(BATCH_SQL, [statements]);
}

export class SqliteWorkerDialect implements Dialect {
  constructor(
    private readonly path: string,
    private readonly policy: CheckpointPolicy,
  ) {}

  createDriver(): Driver {
    return new SqliteWorkerDriver(this.path, this.policy);
  }
  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }
  createAdapter(): SqliteAdapter {
    return new SqliteAdapter();
  }
  createIntrospector(db: Kysely<any>): SqliteIntrospector {
    return new SqliteIntrospector(db);
  }
}

class SqliteWorkerDriver implements Driver {
  #writer: SqliteWorkerClient | null = null;
  #checkpointer: Promise<SqliteWorkerClient | null> = Promise.resolve(null);
  #connection: WorkerConnection | null = null;

  constructor(
    private readonly path: string,
    private readonly policy: CheckpointPolicy,
  ) {}

  async init(): Promise<void> {
    this.#writer = await SqliteWorkerClient.open('writer', this.path, this.policy);
    this.#connection = new WorkerConnection(this.#writer);
    // Opened after the writer has switched the file to WAL. Without it the database still works,
    // only the WAL is never copied back until the last connection closes: say so, do not fail.
    this.#checkpointer = SqliteWorkerClient.open('checkpointer', this.path, this.policy).catch((error) => {
      log.error('[inferport] SQLite background checkpoints could not start', error);
      return null;
    });
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return this.#connection!;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    // IMMEDIATE takes the write lock up front, waiting on busy_timeout; a plain BEGIN takes it at
    // the first write and can then fail with SQLITE_BUSY instead of waiting.
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    // SQLite rolls a transaction back by itself on some errors (SQLITE_FULL: the disk is full).
    // The ROLLBACK then finds none, and its error must not replace the one that ended it.
    await connection.executeQuery(CompiledQuery.raw('rollback')).catch((error: unknown) => {
      if (!(error instanceof Error && NO_TRANSACTION.test(error.message))) throw error;
    });
  }
  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`savepoint ${quoteName(name)}`));
  }
  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`rollback to ${quoteName(name)}`));
  }
  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`release ${quoteName(name)}`));
  }

  async releaseConnection(): Promise<void> {}

  /** Closes the checkpointer, then the writer (after the statements already sent to it). */
  async destroy(): Promise<void> {
    await (await this.#checkpointer)?.close();
    await this.#writer?.close();
  }
}

class WorkerConnection implements DatabaseConnection {
  constructor(private readonly client: SqliteWorkerClient) {}

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    if (compiled.sql === BATCH_SQL) {
      await this.client.batch(compiled.parameters[0] as BatchStatement[]);
      return { rows: [] };
    }
    const { rows, changes, lastInsertRowid } = await this.client.query(compiled.sql, compiled.parameters);
    if (changes === undefined) return { rows: rows as R[] };
    return { rows: [], numAffectedRows: BigInt(changes), insertId: lastInsertRowid == null ? undefined : BigInt(lastInsertRowid) };
  }

  /** Rows come back in one reply; a stream hands them out in chunks (no caller streams today). */
  async *streamQuery<R>(compiled: CompiledQuery, chunkSize = 100): AsyncIterableIterator<QueryResult<R>> {
    if (!SelectQueryNode.is(compiled.query)) throw new Error('the SQLite driver only streams select queries');
    const { rows } = await this.executeQuery<R>(compiled);
    for (let start = 0; start < rows.length; start += chunkSize) yield { rows: rows.slice(start, start + chunkSize) };
  }
}

function quoteName(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
