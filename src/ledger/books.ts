// The lowest layer of the ledger: locking a wallet, recording a balanced transaction once per
// idempotency key, and keeping the cached balances equal to the entry sums. Only ledger code
// calls these, always inside a transaction that has locked the wallet first.
import type { Selectable, Transaction } from 'kysely';
import type { Database, GrantsTable, LedgerTransactionKind, WalletsTable } from '../db/schema';
import { withRowLock } from '../db/dialect';
import { ApiError } from '../errors';
import { assert } from '../shared/assert';
import { newId } from '../shared/ids';
import { rowToGrant } from './rows';
import type { Grant } from './model';

export type Trx = Transaction<Database>;

export interface Wallet {
  accountId: string;
  balanceMicros: bigint;
  reservedMicros: bigint;
}

function rowToWallet(row: Selectable<WalletsTable>): Wallet {
  return { accountId: row.account_id, balanceMicros: BigInt(row.balance_micros), reservedMicros: BigInt(row.reserved_micros) };
}

/** Locks the account's wallet row for this transaction, creating the wallet on first use. */
export async function lockWalletById(trx: Trx, accountId: string, nowMs: number): Promise<Wallet> {
  const select = () => withRowLock(trx, trx.selectFrom('wallets').selectAll().where('account_id', '=', accountId)).executeTakeFirst();
  let row = await select();
  if (!row) {
    const account = await trx.selectFrom('accounts').select('id').where('id', '=', accountId).executeTakeFirst();
    if (!account) throw new ApiError(404, 'not_found', `account ${accountId} not found`, 'account_id');
    await trx
      .insertInto('wallets')
      .values({ account_id: accountId, balance_micros: 0n, reserved_micros: 0n, updated_at_ms: BigInt(nowMs) })
      .onConflict((conflict) => conflict.column('account_id').doNothing())
      .execute();
    row = await select();
  }
  assert(row, 'wallet exists after insert');
  return rowToWallet(row);
}

export async function saveWallet(trx: Trx, wallet: Wallet, nowMs: number): Promise<void> {
  assert(wallet.balanceMicros >= 0n, 'wallet balance is never negative');
  assert(wallet.reservedMicros >= 0n, 'wallet reservations are never negative');
  await trx
    .updateTable('wallets')
    .set({ balance_micros: wallet.balanceMicros, reserved_micros: wallet.reservedMicros, updated_at_ms: BigInt(nowMs) })
    .where('account_id', '=', wallet.accountId)
    .execute();
}

/** The account's grants that still hold credit, in no particular order. */
export async function loadOpenGrants(trx: Trx, accountId: string): Promise<Grant[]> {
  const rows = await trx.selectFrom('grants').selectAll().where('account_id', '=', accountId).where('remaining_micros', '>', 0n).execute();
  return rows.map(rowToGrant);
}

export async function saveGrant(trx: Trx, grant: Grant): Promise<void> {
  assert(grant.remainingMicros >= 0n, 'grant remaining is never negative');
  assert(grant.reservedMicros >= 0n && grant.reservedMicros <= grant.remainingMicros, 'grant reservation within remaining');
  await trx
    .updateTable('grants')
    .set({ remaining_micros: grant.remainingMicros, reserved_micros: grant.reservedMicros })
    .where('id', '=', grant.id)
    .execute();
}

export async function insertGrant(trx: Trx, grant: Grant): Promise<void> {
  const row: Selectable<GrantsTable> = {
    id: grant.id,
    account_id: grant.accountId,
    kind: grant.kind,
    source: grant.source,
    amount_micros: grant.amountMicros,
    remaining_micros: grant.remainingMicros,
    reserved_micros: grant.reservedMicros,
    expires_at_ms: grant.expiresAtMs === null ? null : BigInt(grant.expiresAtMs),
    created_at_ms: BigInt(grant.createdAtMs),
  };
  await trx.insertInto('grants').values(row).execute();
}

export interface ExistingTransaction {
  id: string;
  amountMicros: bigint;
}

/**
 * Looks up an earlier write with this idempotency key. The same key with a different request
 * (fingerprint) is refused, so a retried request can never be applied with other numbers.
 */
export async function findReplay(trx: Trx, idempotencyKey: string, fingerprint: string): Promise<ExistingTransaction | null> {
  const row = await trx
    .selectFrom('ledger_transactions')
    .select(['id', 'fingerprint', 'amount_micros'])
    .where('idempotency_key', '=', idempotencyKey)
    .executeTakeFirst();
  if (!row) return null;
  if (row.fingerprint !== fingerprint) {
    throw new ApiError(409, 'idempotency_conflict', `Idempotency key "${idempotencyKey}" was already used for a different request.`, 'idempotency_key');
  }
  return { id: row.id, amountMicros: BigInt(row.amount_micros) };
}

export interface EntryInput {
  book: 'grant' | 'system';
  /** Grant id for book 'grant', system account name for book 'system'. */
  ledgerAccount: string;
  amountMicros: bigint;
}

export interface TransactionInput {
  accountId: string;
  kind: LedgerTransactionKind;
  idempotencyKey: string;
  fingerprint: string;
  amountMicros: bigint;
  holdId?: string | null;
  memo?: string | null;
  entries: EntryInput[];
}

/** Appends one balanced transaction and its entries; returns its id. */
export async function recordTransaction(trx: Trx, input: TransactionInput, nowMs: number): Promise<string> {
  const sum = input.entries.reduce((total, entry) => total + entry.amountMicros, 0n);
  assert(sum === 0n, `ledger transaction entries sum to zero (got ${sum})`);
  const id = newId('txn');
  const createdAtMs = BigInt(nowMs);
  await trx
    .insertInto('ledger_transactions')
    .values({
      id,
      idempotency_key: input.idempotencyKey,
      fingerprint: input.fingerprint,
      kind: input.kind,
      account_id: input.accountId,
      amount_micros: input.amountMicros,
      hold_id: input.holdId ?? null,
      memo: input.memo ?? null,
      created_at_ms: createdAtMs,
    })
    .execute();
  const entries = input.entries.filter((entry) => entry.amountMicros !== 0n);
  if (entries.length > 0) {
    await trx
      .insertInto('ledger_entries')
      .values(
        entries.map((entry) => ({
          transaction_id: id,
          book: entry.book,
          ledger_account: entry.ledgerAccount,
          account_id: input.accountId,
          amount_micros: entry.amountMicros,
          created_at_ms: createdAtMs,
        })),
      )
      .execute();
  }
  return id;
}
