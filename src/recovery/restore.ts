// `inferport restore PATH` for the embedded database. The backup is copied beside the database,
// checked (SQLite's integrity check, then migrated to this version and audited: entries sum to
// balances) and only then renamed over it. The file it replaces is kept beside it, never deleted.
import { chmodSync, copyFileSync, existsSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import { prepareDataDirectory } from '../db/permissions';
import { RecoveryError } from './backup';
import { checkIntegrity, companionsOf, makeSelfContained, PRIVATE_FILE, removeDatabaseFiles, temporaryBeside } from './sqlite-files';
import { auditDatabaseFile } from './verify';

export interface RestoreResult {
  accounts: number;
  /** Where the database that was replaced now is; null when there was none. */
  keptAs: string | null;
}

export async function restoreSqlite(backupPath: string, databasePath: string, options: { force: boolean; nowMs: number }): Promise<RestoreResult> {
  if (!existsSync(backupPath)) throw new RecoveryError(`no backup at ${backupPath}`);
  const hasDatabase = existsSync(databasePath) || companionsOf(databasePath).length > 0;
  if (hasDatabase && !options.force) throw new RecoveryError(`${databasePath} exists; pass --force to replace it (it is kept beside it, renamed)`);
  const damage = checkIntegrity(backupPath);
  if (damage) throw new RecoveryError(`${backupPath} failed SQLite's integrity check: ${damage}`);
  // A restore into a new data directory creates it as the server would: 0700.
  prepareDataDirectory(dirname(databasePath));
  const candidate = temporaryBeside(databasePath, 'restore');
  try {
    copyFileSync(backupPath, candidate);
    chmodSync(candidate, PRIVATE_FILE);
    const audit = await auditDatabaseFile(candidate, { migrate: true });
    if (!audit.ok) throw new RecoveryError(`${backupPath} fails the ledger audit; nothing was replaced:\n  ${audit.problems.slice(0, 20).join('\n  ')}`);
    makeSelfContained(candidate);
    let keptAs: string | null = null;
    if (hasDatabase) {
      keptAs = `${databasePath}.before-restore-${options.nowMs}`;
      // Fold the old WAL into the old file first: a WAL left beside the restored file would be
      // replayed into it by the next connection.
      if (existsSync(databasePath)) {
        makeSelfContained(databasePath);
        renameSync(databasePath, keptAs);
      }
      removeDatabaseFiles(databasePath);
    }
    renameSync(candidate, databasePath);
    return { accounts: audit.accounts, keptAs };
  } finally {
    removeDatabaseFiles(candidate);
  }
}
