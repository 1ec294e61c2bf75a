// Checks a database file with the ledger auditor, through the same driver the server uses.
import { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { migrate } from '../db/migrate';
import { DEFAULT_CHECKPOINT_POLICY } from '../db/sqlite-checkpoint';
import { SqliteWorkerDialect } from '../db/sqlite-driver';
import { auditLedger } from '../ledger/audit';

export interface FileAudit {
  ok: boolean;
  problems: string[];
  accounts: number;
}

/**
 * `migrate`: bring an older backup's schema up to this version first (the server would on start);
 * only ever on a copy, never on the file an operator handed in.
 */
export async function auditDatabaseFile(path: string, options: { migrate: boolean }): Promise<FileAudit> {
  // The driver itself rather than openSqlite: that one vets the directory as a data directory.
  const db = new Kysely<Database>({ dialect: new SqliteWorkerDialect(path, DEFAULT_CHECKPOINT_POLICY) });
  try {
    if (options.migrate) await migrate({ db, kind: 'sqlite', location: path, postgres: null, close: () => db.destroy() });
    const report = await auditLedger(db);
    const accounts = await db.selectFrom('accounts').select((eb) => eb.fn.countAll<bigint>().as('count')).executeTakeFirstOrThrow();
    return { ...report, accounts: Number(accounts.count) };
  } finally {
    await db.destroy();
  }
}
