// The incremental auditor's checkpoint (migration 021): the last entry counted, the running sum
// of the wallet side ('grant' book), and that sum per grant.
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema';

/** A ledger entry the auditor has not counted yet. */
export interface NewEntry {
  id: bigint;
  transactionId: string;
  book: string;
  grantId: string;
  accountId: string;
  amountMicros: bigint;
  createdAtMs: number;
}

export interface Checkpoint {
  exists: boolean;
  lastEntryId: bigint;
  grantBookMicros: bigint;
}

export async function readCheckpoint(trx: Transaction<Database>): Promise<Checkpoint> {
  const row = await trx.selectFrom('ledger_audit_checkpoint').selectAll().where('id', '=', 1).executeTakeFirst();
  if (!row) return { exists: false, lastEntryId: 0n, grantBookMicros: 0n };
  return { exists: true, lastEntryId: BigInt(row.last_entry_id), grantBookMicros: BigInt(row.grant_book_micros) };
}

/**
 * Adds `entries` (a prefix of what was audited, in id order) to the sums. Compare-and-set on the
 * previous position: of two runs at once, the second changes nothing. Returns the new position.
 */
export async function advanceCheckpoint(db: Kysely<Database>, previous: Checkpoint, entries: NewEntry[], nowMs: number): Promise<bigint> {
  if (entries.length === 0) return previous.lastEntryId;
  const lastEntryId = entries[entries.length - 1]!.id;
  const byGrant = new Map<string, { accountId: string; micros: bigint }>();
  let grantBookMicros = previous.grantBookMicros;
  for (const entry of entries) {
    if (entry.book !== 'grant') continue;
    grantBookMicros += entry.amountMicros;
    const sum = byGrant.get(entry.grantId) ?? { accountId: entry.accountId, micros: 0n };
    sum.micros += entry.amountMicros;
    byGrant.set(entry.grantId, sum);
  }
  return db.transaction().execute(async (trx) => {
    const values = { last_entry_id: lastEntryId, grant_book_micros: grantBookMicros, updated_at_ms: BigInt(nowMs) };
    if (previous.exists) {
      const moved = await trx.updateTable('ledger_audit_checkpoint').set(values).where('id', '=', 1).where('last_entry_id', '=', previous.lastEntryId).executeTakeFirst();
      if (Number(moved.numUpdatedRows) === 0) return previous.lastEntryId;
    } else {
      const inserted = await trx.insertInto('ledger_audit_checkpoint').values({ id: 1, ...values }).onConflict((oc) => oc.column('id').doNothing()).executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) return previous.lastEntryId;
    }
    for (const [grantId, sum] of byGrant) {
      await trx
        .insertInto('ledger_audit_sums')
        .values({ grant_id: grantId, account_id: sum.accountId, amount_micros: sum.micros })
        .onConflict((oc) => oc.column('grant_id').doUpdateSet((eb) => ({ amount_micros: eb('ledger_audit_sums.amount_micros', '+', eb.ref('excluded.amount_micros')) })))
        .execute();
    }
    return lastEntryId;
  });
}
