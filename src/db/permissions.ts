// The embedded database holds the ledger and every key hash: it is private to the user
// inferport runs as. The process umask (usually 022) would make it readable by everyone.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { log } from '../logs/logger';

const PRIVATE_DIRECTORY = 0o700;
const PRIVATE_FILE = 0o600;
/** SQLite's companions of a database file; it creates them with the database file's mode. */
const COMPANION_SUFFIXES = ['-wal', '-shm', '-journal'];

/**
 * Creates the data directory 0700. An existing one is not changed: it may be a directory the
 * operator shares on purpose (or `.`), and the files in it are private anyway, so only warn.
 */
export function prepareDataDirectory(directory: string): void {
  if (createPrivateDirectory(directory)) return;
  const mode = statSync(directory).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    log.warn(
      `inferport: data directory ${directory} is mode ${mode.toString(8)}: other users can see the names in it ` +
        `(the database files themselves are 0600); run chmod 700 ${directory} unless it is shared on purpose`,
    );
  }
}

/** Creates `directory` 0700 and returns true, or returns false when it exists already. */
function createPrivateDirectory(directory: string): boolean {
  // Parents get the usual mode: only the data directory itself is inferport's own.
  mkdirSync(dirname(directory), { recursive: true });
  try {
    mkdirSync(directory, { mode: PRIVATE_DIRECTORY });
  } catch (error) {
    // Another process (a second `inferport migrate`) may have created it a moment ago.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  // mkdir's mode is filtered by the umask; a umask can only remove bits, so set it exactly.
  chmodSync(directory, PRIVATE_DIRECTORY);
  return true;
}

/**
 * Makes the database file (created empty if absent, before SQLite opens it, so that -wal and
 * -shm inherit its mode) and any companion left by an older version 0600.
 */
export function restrictDatabaseFiles(path: string): void {
  if (!existsSync(path)) closeSync(openSync(path, 'a', PRIVATE_FILE));
  for (const file of [path, ...COMPANION_SUFFIXES.map((suffix) => path + suffix)]) {
    if (existsSync(file) && (statSync(file).mode & 0o777) !== PRIVATE_FILE) chmodSync(file, PRIVATE_FILE);
  }
}
