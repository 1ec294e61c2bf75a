// The operator's recovery commands: backup, restore and audit. Each returns the exit status and
// prints what it did; a broken invariant or a refusal is exit 1, a usage mistake exit 2.
import type { Config } from '../config';
import { backupSqlite, RecoveryError } from './backup';
import { runAudit } from './audit-command';
import { sqlitePath, type CommandArgs } from './command-args';
import { restoreSqlite } from './restore';
import { runningServer } from './server-running';


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
