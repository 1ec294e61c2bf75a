// `inferport audit`: the incremental auditor from its checkpoint, or with --full the whole
// auditor over one snapshot. Exit 1 lists every broken invariant.
import { existsSync } from 'node:fs';
import type { Config } from '../config';
import { openDatabase } from '../db';
import { isFullyMigrated } from '../db/migrate';
import { auditLedger } from '../ledger/audit';
import { RecoveryError } from './backup';
import { sqlitePath, type CommandArgs } from './command-args';
import { auditLedgerIncrementally } from './incremental-audit';

const MAX_ENTRIES_DEFAULT = 200_000;
// How far the checkpoint stays behind on PostgreSQL (see IncrementalAuditOptions.postgresLagMs).
const POSTGRES_LAG_MS = 60_000;

export async function runAudit(config: Config, args: CommandArgs): Promise<number> {
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
