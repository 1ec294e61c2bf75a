// What the incremental auditor checks. For the new entries: every transaction they belong to
// sums to zero. Once caught up with the newest entry: each grant and wallet they touched equals
// its running sum plus the new entries, and the global sums hold (global-checks.ts).
import type { Transaction } from 'kysely';
import type { Database } from '../db/schema';
import type { Checkpoint, NewEntry } from './checkpoint';
import { checkTotals, PROBLEMS_MAX } from './global-checks';

const IN_LIST_MAX = 500;

export async function checkTouched(trx: Transaction<Database>, checkpoint: Checkpoint, entries: NewEntry[], caughtUp: boolean): Promise<string[]> {
  const problems: string[] = [];
  for (const ids of chunks([...new Set(entries.map((entry) => entry.transactionId))])) {
    const unbalanced = await trx.selectFrom('ledger_entries').select(['transaction_id', (eb) => eb.fn.sum<bigint>('amount_micros').as('total')]).where('transaction_id', 'in', ids).groupBy('transaction_id').having((eb) => eb.fn.sum('amount_micros'), '<>', 0).execute();
    for (const row of unbalanced) problems.push(`transaction ${row.transaction_id} entries sum to ${row.total}, not 0`);
  }
  if (!caughtUp) return problems;
  const grantSide = entries.filter((entry) => entry.book === 'grant');
  problems.push(...(await checkTouchedGrants(trx, grantSide)));
  problems.push(...(await checkTouchedWallets(trx, grantSide)));
  problems.push(...(await checkTotals(trx, checkpoint, grantSide)));
  return problems.slice(0, PROBLEMS_MAX);
}

async function checkTouchedGrants(trx: Transaction<Database>, entries: NewEntry[]): Promise<string[]> {
  const problems: string[] = [];
  const delta = sumBy(entries, (entry) => entry.grantId);
  for (const ids of chunks([...delta.keys()])) {
    const grants = await trx.selectFrom('grants').select(['id', 'remaining_micros']).where('id', 'in', ids).execute();
    const sums = new Map((await trx.selectFrom('ledger_audit_sums').select(['grant_id', 'amount_micros']).where('grant_id', 'in', ids).execute()).map((row) => [row.grant_id, BigInt(row.amount_micros)]));
    const remaining = new Map(grants.map((grant) => [grant.id, BigInt(grant.remaining_micros)]));
    for (const id of ids) {
      const expected = (sums.get(id) ?? 0n) + delta.get(id)!;
      if (!remaining.has(id)) problems.push(`entries take from grant ${id}, which does not exist`);
      else if (remaining.get(id) !== expected) problems.push(`grant ${id} remaining ${remaining.get(id)} != entries ${expected}`);
    }
  }
  return problems;
}

async function checkTouchedWallets(trx: Transaction<Database>, entries: NewEntry[]): Promise<string[]> {
  const problems: string[] = [];
  const delta = sumBy(entries, (entry) => entry.accountId);
  for (const ids of chunks([...delta.keys()])) {
    const wallets = new Map((await trx.selectFrom('wallets').select(['account_id', 'balance_micros']).where('account_id', 'in', ids).execute()).map((row) => [row.account_id, BigInt(row.balance_micros)]));
    const sums = await trx.selectFrom('ledger_audit_sums').select(['account_id', (eb) => eb.fn.sum<bigint>('amount_micros').as('total')]).where('account_id', 'in', ids).groupBy('account_id').execute();
    const stored = new Map(sums.map((row) => [row.account_id, BigInt(row.total ?? 0)]));
    for (const id of ids) {
      const expected = (stored.get(id) ?? 0n) + delta.get(id)!;
      if (wallets.get(id) !== expected) problems.push(`wallet ${id} balance ${wallets.get(id) ?? 'missing'} != entries ${expected}`);
    }
  }
  return problems;
}

function sumBy(entries: NewEntry[], keyOf: (entry: NewEntry) => string): Map<string, bigint> {
  const sums = new Map<string, bigint>();
  for (const entry of entries) sums.set(keyOf(entry), (sums.get(keyOf(entry)) ?? 0n) + entry.amountMicros);
  return sums;
}

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let index = 0; index < items.length; index += IN_LIST_MAX) out.push(items.slice(index, index + IN_LIST_MAX));
  return out;
}
