// The operator's recovery commands: backup, restore and audit. Each returns the exit status and
// prints what it did; a broken invariant or a refusal is exit 1, a usage mistake exit 2.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config';
import { openDatabase } from '../db';
import { isFullyMigrated } from '../db/migrate';
import { auditLedger } from '../ledger/audit';
import { backupSqlite, RecoveryError } from './backup';
import { auditLedgerIncrementally } from './incremental-audit';
import { restoreSqlite } from './restore';
import { runningServer } from './server-running';

const MAX_ENTRIES_DEFAULT = 200_000;
const POSTGRES_LAG_MS = 60_000;

export interface CommandArgs {
  /** Arguments that are not flags, in order (PATH). */
  positional: string[];
  flags: Set<string>;
  values: Map<string, string>;
}

const KNOWN_FLAGS = { backup: [], restore: ['--force'], audit: ['--full'] } as const;
const KNOWN_VALUES = { backup: ['--config'], restore: ['--config'], audit: ['--config', '--max-entries'] } as const;

export async function runRecoveryCommand(command: 'backup' | 'restore' | 'audit', config: Config, args: CommandArgs): Promise<number> {
  const flags: readonly string[] = KNOWN_FLAGS[command];
  const values: readonly string[] = KNOWN_VALUES[command];
  const unknown = [...args.flags].filter((flag) => !flags.includes(flag)).concat([...args.values.keys()].filter((name) => !values.includes(name)));
  if (unknown.length > 0) {
    console.error(`inferport ${command}: unknown option ${unknown.join(', ')}`);
    return 2;
  }
  try {
    if (command === 'audit') return await runAudit(config, args);
    const path = args.positional[0];
    if (!path || args.positional.length > 1) {
      console.error(`usage: inferport ${command} PATH${command === 'restore' ? ' [--force]' : ''} [--config PATH]`);
      return 2;
    }
    return command === 'backup' ? await runBackup(config, path) : await runRestore(config, path, args.flags.has('--force'));
  } catch (error) {
    if (!(error instanceof RecoveryError)) throw error;
    console.error(`inferport ${command}: ${error.message}`);
    return 1;
  }
}

const sqlitePath = (config: Config) => join(config.server.dataDir, 'inferport.sqlite');

async function runBackup(config: Config, path: string): Promise<number> {
  if (config.database.url) {
    // The URL holds the password: the command names the variable rather than printing it.
    console.log('inferport backup: the database is PostgreSQL; back it up with its own tool, for example:');
    console.log(`  pg_dump --format=custom --no-owner --file='${path}' "$DATABASE_URL"`);
    console.log(`and restore with: pg_restore --clean --if-exists --no-owner --dbname="$DATABASE_URL" '${path}'`);
    return 0;
  }
  const result = await backupSqlite(sqlitePath(config), path);
  console.log(`inferport backup: wrote ${result.path} (${result.bytes} bytes, ${result.accounts} accounts; integrity checked and the ledger audited)`);
  return 0;
}

async function runRestore(config: Config, path: string, force: boolean): Promise<number> {
  if (config.database.url) {
    console.log('inferport restore: the database is PostgreSQL; restore a pg_dump archive with its own tool:');
    console.log(`  pg_restore --clean --if-exists --no-owner --dbname="$DATABASE_URL" '${path}'`);
    return 0;
  }
  const target = sqlitePath(config);
  const running = await runningServer(config, target);
  if (running) throw new RecoveryError(`inferport seems to be running (${running}); stop it first`);
  const result = await restoreSqlite(path, target, { force, nowMs: Date.now() });
  console.log(`inferport restore: ${target} now holds ${path} (${result.accounts} accounts; integrity checked, migrated and the ledger audited)`);
  if (result.keptAs) console.log(`the database it replaced is kept as ${result.keptAs}`);
  return 0;
}

async function runAudit(config: Config, args: CommandArgs): Promise<number> {
  const maxEntriesText = args.values.get('--max-entries');
  const maxEntries = maxEntriesText === undefined ? MAX_ENTRIES_DEFAULT : Number(maxEntriesText);
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
    console.error('usage: inferport audit [--full] [--max-entries N] [--config PATH] (N a positive integer)');
    return 2;
  }
  // Opening a missing SQLite file would create an empty one: say where none was found instead.
  if (!config.database.url && !existsSync(sqlitePath(config))) throw new RecoveryError(`no database at ${sqlitePath(config)} (set server.data_dir or INFERPORT_DATA_DIR)`);
  const handle = openDatabase({ url: config.database.url, dataDir: config.server.dataDir, poolSize: 2 });
  try {
    if (!(await isFullyMigrated(handle))) throw new RecoveryError(`${handle.location} is not fully migrated; run inferport migrate (or start the server) first`);
    if (args.flags.has('--full')) {
      const report = await auditLedger(handle.db);
      return printProblems(report.problems, `the whole ledger of ${handle.location}`);
    }
    const report = await auditLedgerIncrementally(handle.db, { maxEntries, nowMs: Date.now(), postgresLagMs: POSTGRES_LAG_MS });
    const what = `entries ${report.fromEntryId + 1n} to ${report.toEntryId} (${report.entries} entries in ${report.transactions} transactions) of ${handle.location}`;
    const status = printProblems(report.problems, what);
    if (!report.caughtUp) console.log(`inferport audit: more entries are waiting; run again (balances are compared once a run reaches the newest entry)`);
    else if (status === 0) console.log(`inferport audit: checkpoint at entry ${report.checkpointEntryId}`);
    return status;
  } finally {
    await handle.close();
  }
}

function printProblems(problems: string[], what: string): number {
  if (problems.length === 0) {
    console.log(`inferport audit: ok: ${what}`);
    return 0;
  }
  console.error(`inferport audit: ${problems.length} broken invariant${problems.length === 1 ? '' : 's'} in ${what}:`);
  for (const problem of problems) console.error(`  ${problem}`);
  return 1;
}
