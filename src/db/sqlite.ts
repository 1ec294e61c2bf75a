// Opens the embedded database: one connection, hence one writer, per process, owned by a worker
// thread (sqlite-worker.ts) so that no statement, commit or checkpoint runs on the event loop.
import { dirname } from 'node:path';
import type { Dialect } from 'kysely';
import { prepareDataDirectory, restrictDatabaseFiles } from './permissions';
import { DEFAULT_CHECKPOINT_POLICY } from './sqlite-checkpoint';
import { SqliteWorkerDialect } from './sqlite-driver';
import type { CheckpointPolicy } from './sqlite-protocol';

/**
 * The file and its directory are made private here, before any connection exists, so that the
 * -wal and -shm files SQLite creates inherit the file's mode. The workers start with the first query.
 */
export function openSqlite(path: string, policy: Partial<CheckpointPolicy> = {}): Dialect {
  prepareDataDirectory(dirname(path));
  restrictDatabaseFiles(path);
  return new SqliteWorkerDialect(path, { ...DEFAULT_CHECKPOINT_POLICY, ...policy });
}
