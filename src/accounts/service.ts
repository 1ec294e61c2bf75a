// Accounts: who is billed. Plain functions over the db handle.
import type { Kysely, Selectable, Transaction } from 'kysely';
import { withRowLock } from '../db/dialect';
import type { AccountsTable, Database } from '../db/schema';
import { ApiError, notFound } from '../errors';
import { newId } from '../shared/ids';

export type AccountStatus = AccountsTable['status'];

export interface Account {
  id: string;
  name: string;
  email: string | null;
  status: AccountStatus;
  plan: string | null;
  /** The models every key of the account may use, on top of its keys' and plan's lists; null: no narrowing. */
  models: string[] | null;
  createdAtMs: number;
}

export function rowToAccount(row: Selectable<AccountsTable>): Account {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    status: row.status,
    plan: row.plan,
    models: modelsFromColumn(row.models),
    createdAtMs: Number(row.created_at_ms),
  };
}

/** The accounts.models column (a JSON array, or NULL for no narrowing) as a list. */
export function modelsFromColumn(column: string | null): string[] | null {
  return column === null ? null : (JSON.parse(column) as string[]);
}

export async function createAccount(
  db: Kysely<Database>,
  input: { name: string; email: string | null; plan: string | null },
  nowMs: number,
): Promise<Account> {
  const row = {
    id: newId('acct'),
    name: input.name,
    email: input.email,
    status: 'active' as const,
    plan: input.plan,
    created_at_ms: BigInt(nowMs),
    updated_at_ms: BigInt(nowMs),
    models: null,
    stripe_customer_id: null,
    // A plan given at creation is an admin's choice like PUT /plan: older events leave it alone.
    plan_set_by_admin_at_ms: input.plan === null ? null : BigInt(nowMs),
  };
  await db.insertInto('accounts').values(row).execute();
  return rowToAccount(row);
}

export async function getAccount(db: Kysely<Database>, accountId: string): Promise<Account> {
  const row = await db.selectFrom('accounts').selectAll().where('id', '=', accountId).executeTakeFirst();
  if (!row) throw notFound(`account ${accountId}`, 'id');
  return rowToAccount(row);
}

export async function listAccounts(
  db: Kysely<Database>,
  page: { limit: number; after: string | null },
): Promise<Account[]> {
  let query = db.selectFrom('accounts').selectAll().orderBy('id').limit(page.limit);
  if (page.after) query = query.where('id', '>', page.after);
  return (await query.execute()).map(rowToAccount);
}

/**
 * Suspends, reactivates or closes an account. Closing is final: a closed account cannot be
 * suspended or made active again (409), and closing it twice changes nothing.
 */
export async function setAccountStatus(
  db: Kysely<Database>,
  accountId: string,
  status: AccountStatus,
  nowMs: number,
): Promise<Account> {
  // One conditional update, so a close racing a suspend never turns a closed account around.
  const result = await db
    .updateTable('accounts')
    .set({ status, updated_at_ms: BigInt(nowMs) })
    .where('id', '=', accountId)
    .where('status', '!=', 'closed')
    .executeTakeFirst();
  const account = await getAccount(db, accountId);
  if (result.numUpdatedRows === 0n && account.status === 'closed' && status !== 'closed') throw accountClosed(accountId);
  return account;
}

/** Refuses to change (or add keys to) a closed account. */
export function assertNotClosed(account: Account): void {
  if (account.status === 'closed') throw accountClosed(account.id);
}

function accountClosed(accountId: string): ApiError {
  return new ApiError(409, 'conflict', `account ${accountId} is closed, and closing is final`, 'id');
}

export async function setAccountPlan(
  db: Kysely<Database>,
  accountId: string,
  plan: string | null,
  nowMs: number,
): Promise<Account> {
  // Stamped, so that a subscription event created before this change cannot undo it.
  const result = await db
    .updateTable('accounts')
    .set({ plan, plan_set_by_admin_at_ms: BigInt(nowMs), updated_at_ms: BigInt(nowMs) })
    .where('id', '=', accountId)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) throw notFound(`account ${accountId}`, 'id');
  return getAccount(db, accountId);
}

/** Sets (or, with null, clears) the models the account's keys may use. Duplicates are dropped. */
export async function setAccountModels(
  db: Kysely<Database>,
  accountId: string,
  models: string[] | null,
  nowMs: number,
): Promise<Account> {
  const stored = models === null ? null : JSON.stringify([...new Set(models)]);
  const result = await db
    .updateTable('accounts')
    .set({ models: stored, updated_at_ms: BigInt(nowMs) })
    .where('id', '=', accountId)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) throw notFound(`account ${accountId}`, 'id');
  return getAccount(db, accountId);
}

/** Locks the account's row until the transaction ends; false when there is no such account. */
export async function lockAccountById(trx: Transaction<Database>, accountId: string): Promise<boolean> {
  const query = trx.selectFrom('accounts').select('id').where('id', '=', accountId);
  return (await withRowLock(trx, query).executeTakeFirst()) !== undefined;
}
