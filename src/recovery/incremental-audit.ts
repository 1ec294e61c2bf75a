// `inferport audit` without --full: checks only the ledger entries written since the last run,
// plus invariants the database answers cheaply from small indexes, so a run's time and memory
// are bounded by `maxEntries` and the number of wallets, not by the ledger's history.
// The checkpoint (migration 021) keeps the last entry counted and running sums of the wallet
// side of the books, per grant and in total; a run compares what new entries touched with them.
import type { Kysely } from 'kysely';
import { isSqlite, readSnapshot } from '../db/dialect';
import type { Database } from '../db/schema';
import { advanceCheckpoint, readCheckpoint, type NewEntry } from './checkpoint';
import { checkTouched } from './incremental-checks';

export interface IncrementalAuditOptions {
  /** At most this many new entries per run; a longer backlog takes several runs. */
  maxEntries: number;
  nowMs: number;
  /**
   * PostgreSQL numbers an entry when it is inserted, not when it commits, so an entry numbered
   * below one already seen may still appear. The checkpoint advances only past entries older
   * than this; later ones are checked again next run. SQLite (one writer) needs no lag.
   */
  postgresLagMs: number;
}

export interface IncrementalAuditReport {
  ok: boolean;
  problems: string[];
  fromEntryId: bigint;
  toEntryId: bigint;
  entries: number;
  transactions: number;
  /** False when more than maxEntries were new: the balance comparisons wait for a run that catches up. */
  caughtUp: boolean;
  checkpointEntryId: bigint;
}

export async function auditLedgerIncrementally(db: Kysely<Database>, options: IncrementalAuditOptions): Promise<IncrementalAuditReport> {
  const lagMs = isSqlite(db) ? 0 : options.postgresLagMs;
  const read = await readSnapshot(db, async (trx) => {
    const checkpoint = await readCheckpoint(trx);
    const newest = await trx.selectFrom('ledger_entries').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
    const newestId = BigInt(newest?.id ?? 0);
    const upperId = newestId < checkpoint.lastEntryId + BigInt(options.maxEntries) ? newestId : checkpoint.lastEntryId + BigInt(options.maxEntries);
    const rows = await trx
      .selectFrom('ledger_entries')
      .select(['id', 'transaction_id', 'book', 'ledger_account', 'account_id', 'amount_micros', 'created_at_ms'])
      .where('id', '>', checkpoint.lastEntryId)
      .where('id', '<=', upperId)
      .orderBy('id')
      .execute();
    const entries: NewEntry[] = rows.map((row) => ({
      id: BigInt(row.id),
      transactionId: row.transaction_id,
      book: row.book,
      grantId: row.ledger_account,
      accountId: row.account_id,
      amountMicros: BigInt(row.amount_micros),
      createdAtMs: Number(row.created_at_ms),
    }));
    const caughtUp = upperId === newestId;
    const problems = await checkTouched(trx, checkpoint, entries, caughtUp);
    return { checkpoint, entries, caughtUp, problems, upperId };
  });
  const { checkpoint, entries, caughtUp, problems, upperId } = read;
  let checkpointEntryId = checkpoint.lastEntryId;
  // A failing run leaves the checkpoint where it was, so the next run reports the same problem.
  if (problems.length === 0) {
    // Only a prefix may be counted: the first entry newer than the lag stops the advance there.
    const firstRecent = entries.findIndex((entry) => entry.createdAtMs > options.nowMs - lagMs);
    const prefix = firstRecent === -1 ? entries : entries.slice(0, firstRecent);
    checkpointEntryId = await advanceCheckpoint(db, checkpoint, prefix, options.nowMs);
  }
  return {
    ok: problems.length === 0,
    problems,
    fromEntryId: checkpoint.lastEntryId,
    toEntryId: upperId,
    entries: entries.length,
    transactions: new Set(entries.map((entry) => entry.transactionId)).size,
    caughtUp,
    checkpointEntryId,
  };
}
