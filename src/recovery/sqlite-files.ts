// File-level helpers for the embedded database's backup and restore: a private temporary name
// beside the destination, SQLite's companion files, and an integrity check.
import { Database as BunDatabase } from 'bun:sqlite';
import { chmodSync, existsSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export const PRIVATE_FILE = 0o600;
const COMPANION_SUFFIXES = ['-wal', '-shm', '-journal'];

/** A name in the destination's directory, so the final rename is atomic (same file system). */
export function temporaryBeside(path: string, purpose: string): string {
  return join(dirname(path), `.${basename(path)}.${purpose}-${process.pid}-${Date.now()}`);
}

/** Removes a database file and its companions (a WAL left beside another file would be replayed into it). */
export function removeDatabaseFiles(path: string): void {
  for (const file of [path, ...COMPANION_SUFFIXES.map((suffix) => path + suffix)]) rmSync(file, { force: true });
}

export function companionsOf(path: string): string[] {
  return COMPANION_SUFFIXES.map((suffix) => path + suffix).filter((file) => existsSync(file));
}

/** SQLite's own check of every page and index; null when it is sound, otherwise what it found. */
export function checkIntegrity(path: string): string | null {
  const sqlite = new BunDatabase(path, { readonly: true });
  try {
    const rows = sqlite.query('PRAGMA integrity_check').all() as { integrity_check: string }[];
    const found = rows.map((row) => row.integrity_check).filter((line) => line !== 'ok');
    return found.length === 0 ? null : found.slice(0, 10).join('; ');
  } catch (error) {
    return (error as Error).message;
  } finally {
    sqlite.close();
  }
}

/** Folds a WAL into the file and leaves it in rollback-journal mode: one self-contained file. */
export function makeSelfContained(path: string): void {
  const sqlite = new BunDatabase(path);
  try {
    sqlite.exec('PRAGMA journal_mode = DELETE');
  } finally {
    sqlite.close();
  }
  chmodSync(path, PRIVATE_FILE);
}
