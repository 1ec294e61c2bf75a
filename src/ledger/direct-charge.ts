// Charging a wallet now, with no reservation before it: a deployment's clock hour. The charge is
// drawn from the wallet's unreserved live credit in spending order (allocate.ts chooseDraws), in
// the caller's transaction, so the caller's own rows (the hour it bills) commit with the money or
// not at all. All or nothing: a wallet that cannot pay the whole amount is refused before any
// write, never charged in part.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { badRequest } from '../errors';
import { assert } from '../shared/assert';
import { chooseDraws } from './allocate';
import { findReplay, loadOpenGrants, lockWalletById, recordTransaction, saveGrant, saveWallet, type Trx } from './books';
import { insufficientCredits } from './grants';
import { askLeasesBack, leasesAnswered } from './lease-reclaim';
import { SYSTEM_ACCOUNTS } from './model';

export interface DirectChargeInput {
  accountId: string;
  amountMicros: bigint;
  /** The same key charges once; the same key with another account or amount is a 409. */
  idempotencyKey: string;
  memo?: string | null;
}

export interface DirectChargeResult {
  transactionId: string;
  chargedMicros: bigint;
  replayed: boolean;
}

/**
 * Debits `amountMicros` from the account's unreserved credit against revenue. Throws 402
 * insufficient_credits (nothing written) when the wallet's available credit cannot pay it all.
 */
export async function chargeWallet(trx: Trx, input: DirectChargeInput, nowMs: number): Promise<DirectChargeResult> {
  if (input.amountMicros < 0n) throw badRequest('a charge cannot be negative', 'amount');
  const wallet = await lockWalletById(trx, input.accountId, nowMs);
  const fingerprint = `direct-charge|${input.accountId}|${input.amountMicros}`;
  const replay = await findReplay(trx, input.idempotencyKey, fingerprint);
  if (replay) return { transactionId: replay.id, chargedMicros: replay.amountMicros, replayed: true };
  const grants = await loadOpenGrants(trx, input.accountId);
  const { draws, shortMicros } = chooseDraws(grants, [], input.amountMicros, nowMs);
  if (shortMicros > 0n) throw insufficientCredits(input.amountMicros, input.amountMicros - shortMicros);
  const byId = new Map(grants.map((grant) => [grant.id, grant]));
  for (const draw of draws) {
    const grant = byId.get(draw.grantId)!;
    grant.remainingMicros -= draw.micros;
    await saveGrant(trx, grant);
  }
  const transactionId = await recordTransaction(
    trx,
    {
      accountId: input.accountId,
      kind: 'charge',
      idempotencyKey: input.idempotencyKey,
      fingerprint,
      amountMicros: input.amountMicros,
      memo: input.memo ?? null,
      entries: [
        ...draws.map((draw) => ({ book: 'grant' as const, ledgerAccount: draw.grantId, amountMicros: -draw.micros })),
        { book: 'system', ledgerAccount: SYSTEM_ACCOUNTS.revenue, amountMicros: input.amountMicros },
      ],
    },
    nowMs,
  );
  assert(wallet.balanceMicros >= input.amountMicros, 'a charge drawn from unreserved credit never exceeds the balance');
  await saveWallet(trx, { ...wallet, balanceMicros: wallet.balanceMicros - input.amountMicros }, nowMs);
  return { transactionId, chargedMicros: input.amountMicros, replayed: false };
}

/** The owner name the direct charge asks leases back as: no process's, so every process's lease counts. */
const DIRECT_CHARGE_OWNER = 'direct-charge';
const RECLAIM_POLL_MS = 50;

/**
 * For a direct charge that was refused while gateway leases hold the account's credit (credit
 * reserved in bulk for requests to come, not spent): asks every open lease of the account back
 * (lease-reclaim.ts) and waits, at most `waitMs`, until each owner answered by shrinking it. True
 * when leases were asked (a retry may now succeed); false when none hold enough to matter.
 */
export async function askLeasedCreditBack(db: Kysely<Database>, input: { accountId: string; needMicros: bigint }, nowMs: number, waitMs: number): Promise<boolean> {
  const asked = await askLeasesBack(db, { accountId: input.accountId, owner: DIRECT_CHARGE_OWNER, needMicros: input.needMicros }, nowMs);
  if (asked.length === 0) return false;
  const deadline = performance.now() + waitMs;
  while (performance.now() < deadline && !(await leasesAnswered(db, asked))) await Bun.sleep(RECLAIM_POLL_MS);
  return true;
}
