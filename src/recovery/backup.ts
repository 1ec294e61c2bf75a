// `inferport backup PATH` for the embedded database: an online copy while the server runs.
// VACUUM INTO reads one snapshot (a WAL reader blocks no writer) and writes a compact,
// self-contained file; it goes to a private temporary name and is renamed into place only once
// it is complete and checked, so PATH never holds half a backup.
import { Database as BunDatabase } from 'bun:sqlite';
import { chmodSync, existsSync, renameSync, statSync } from 'node:fs';
import { auditDatabaseFile } from './verify';
import { checkIntegrity, makeSelfContained, PRIVATE_FILE, removeDatabaseFiles, temporaryBeside } from './sqlite-files';

export class RecoveryError extends Error {}

export interface BackupResult {
  path: string;
  bytes: number;
  accounts: number;
}

export async function backupSqlite(sourcePath: string, targetPath: string): Promise<BackupResult> {
  if (!existsSync(sourcePath)) throw new RecoveryError(`no database at ${sourcePath}`);
  if (existsSync(targetPath)) throw new RecoveryError(`${targetPath} exists; choose a new name (a backup never overwrites a file)`);
  const temporary = temporaryBeside(targetPath, 'backup');
  // The umask keeps the copy private from its first byte; chmod below makes it exactly 0600.
  const umask = process.umask(0o077);
  try {
    // Read-write (it writes nothing): a read-only connection cannot open a WAL database whose -shm is absent.
    const sqlite = new BunDatabase(sourcePath, { readwrite: true, create: false });
    try {
      sqlite.exec('PRAGMA busy_timeout = 10000');
      sqlite.query('VACUUM INTO ?').run(temporary);
    } finally {
      sqlite.close();
    }
    chmodSync(temporary, PRIVATE_FILE);
    const damage = checkIntegrity(temporary);
    if (damage) throw new RecoveryError(`the copy failed SQLite's integrity check: ${damage}`);
    const audit = await auditDatabaseFile(temporary, { migrate: false });
    if (!audit.ok) throw new RecoveryError(`the copy fails the ledger audit (the live database does too; run inferport audit --full):\n  ${audit.problems.slice(0, 20).join('\n  ')}`);
    makeSelfContained(temporary);
    renameSync(temporary, targetPath);
    return { path: targetPath, bytes: statSync(targetPath).size, accounts: audit.accounts };
  } finally {
    process.umask(umask);
    removeDatabaseFiles(temporary);
  }
}
