// Read side of the ledger: wallet summaries and entry listings for the admin and console APIs.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { WalletSummary } from './model';
import { isExpired, rowToGrant } from './rows';

export { listLedger, readLedgerLines, type LedgerLine, type LedgerPage, type LedgerPosition, type LedgerWindow } from './ledger-page';

/**
 * `reserved` is all the credit of the wallet's live grants that is held against them: pending
 * holds plus every gateway process's open lease (credit carved into reservations of requests
 * in flight, and the lease's unused rest until it is given back or asked back). That is what
 * no other process can spend, so `available = balance - reserved` is what a new lease can take.
 */
export async function getWalletSummary(db: Kysely<Database>, accountId: string, nowMs: number): Promise<WalletSummary> {
  const rows = await db.selectFrom('grants').selectAll().where('account_id', '=', accountId).where('remaining_micros', '>', 0n).execute();
  let paidMicros = 0n;
  let promoMicros = 0n;
  let reservedMicros = 0n;
  for (const grant of rows.map(rowToGrant)) {
    if (isExpired(grant, nowMs)) continue;
    if (grant.kind === 'paid') paidMicros += grant.remainingMicros;
    else promoMicros += grant.remainingMicros;
    reservedMicros += grant.reservedMicros;
  }
  const balanceMicros = paidMicros + promoMicros;
  return { accountId, balanceMicros, paidMicros, promoMicros, reservedMicros, availableMicros: balanceMicros - reservedMicros };
}
