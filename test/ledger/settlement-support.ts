// Helpers for the settlement-path tests: one wallet with a lease and a batch of requests built
// the way the meter builds them, and a dump of every money row of an account with its
// generated ids and the test's own prefix replaced by names, so dumps of two runs compare equal.
import type { DbHandle } from '../../src/db';
import * as accounts from '../../src/accounts/service';
import { drawFromAllocations } from '../../src/ledger/allocate';
import { acquireLease } from '../../src/ledger/leases';
import * as ledger from '../../src/ledger/service';
import type { LeaseUpdate, SettlementItem } from '../../src/ledger/settlement';
import type { UsageRecord } from '../../src/usage/service';

export const NOW = 1_900_000_000_000;
export const DAY = 86_400_000;
const LEASE_TTL_MS = 60_000;

export interface Wallet {
  prefix: string;
  accountId: string;
  grantIds: string[];
  leaseId: string;
  /** The names its generated ids get in a dump. */
  names: Map<string, string>;
}

/** An account with a promo grant (spent first) and a paid one, all of it leased to "this process". */
export async function leasedWallet(handle: DbHandle, prefix: string): Promise<Wallet> {
  const accountId = (await accounts.createAccount(handle.db, { name: 'settlement test', email: null, plan: null }, NOW)).id;
  const promo = await ledger.grant(handle.db, { accountId, kind: 'promo', amountMicros: 400_000n, expiresAtMs: NOW + DAY, source: 'admin', idempotencyKey: `${prefix}-promo` }, NOW);
  const paid = await ledger.grant(handle.db, { accountId, kind: 'paid', amountMicros: 1_000_000n, expiresAtMs: null, source: 'admin', idempotencyKey: `${prefix}-paid` }, NOW);
  const lease = await handle.db.transaction().execute((trx) =>
    acquireLease(trx, { leaseId: null, accountId, owner: 'test', needMicros: 1_000_000n, wantMicros: 1_000_000n, spareMicros: 0n, ttlMs: LEASE_TTL_MS }, NOW),
  );
  const grantIds = [promo.grantId!, paid.grantId!];
  const names = new Map([[accountId, 'account'], [grantIds[0]!, 'promo'], [grantIds[1]!, 'paid'], [lease.leaseId, 'lease']]);
  return { prefix, accountId, grantIds, leaseId: lease.leaseId, names };
}

function usage(wallet: Wallet, n: number, holdId: string | null): UsageRecord {
  return {
    id: `${wallet.prefix}-use-${n}`, requestId: `${wallet.prefix}-req-${n}`, keyId: `${wallet.prefix}-key`, accountId: wallet.accountId, billing: holdId ? 'credits' : 'plan',
    endpoint: 'chat.completions', model: 'test-model', upstream: 'up', statusCode: 200, outcome: 'ok', promptTokens: 10 * n, completionTokens: n, usageEstimated: false,
    costMicros: 0n, holdId, latencyMs: 12, ttftMs: n === 1 ? 3 : null, createdAtMs: NOW - 5,
  };
}

/** Charged, charged across both grants, released, charged nothing, and a plan-billed record. */
export function requestsOf(wallet: Wallet): SettlementItem[] {
  const item = (n: number, outcome: SettlementItem['outcome'], reservedMicros: bigint, chargeMicros: bigint): SettlementItem => {
    const holdId = outcome === 'record' ? null : `${wallet.prefix}-hold-${n}`;
    return { holdId, accountId: wallet.accountId, reservedMicros, reservedAtMs: NOW - 50, outcome, chargeMicros, draws: [], leaseId: holdId ? wallet.leaseId : null, memo: 'chat.completions test-model', record: usage(wallet, n, holdId) };
  };
  return [item(1, 'posted', 350_000n, 300_000n), item(2, 'posted', 250_000n, 250_000n), item(3, 'voided', 100_000n, 0n), item(4, 'posted', 20_000n, 0n), item(5, 'record', 0n, 0n)];
}

/** Draws each charge from the lease's allocations, as the meter does before a batch. */
export function drawFromLease(wallet: Wallet, items: SettlementItem[], allocations: { grantId: string; micros: bigint }[]): LeaseUpdate {
  const update: LeaseUpdate = { leaseId: wallet.leaseId, accountId: wallet.accountId, drawnMicros: 0n, allocations, expiresAtMs: NOW + LEASE_TTL_MS };
  for (const item of items) {
    if (item.outcome !== 'posted') continue;
    const { draws, rest } = drawFromAllocations(update.allocations, item.chargeMicros);
    item.draws = draws;
    update.allocations = rest;
    update.drawnMicros += item.chargeMicros;
  }
  return update;
}

export async function leaseAllocations(handle: DbHandle, leaseId: string) {
  const row = await handle.db.selectFrom('leases').select('allocations').where('id', '=', leaseId).executeTakeFirstOrThrow();
  return (JSON.parse(row.allocations) as { grant_id: string; micros: string }[]).map((item) => ({ grantId: item.grant_id, micros: BigInt(item.micros) }));
}

const TABLES = ['wallets', 'grants', 'holds', 'ledger_transactions', 'ledger_entries', 'usage_records', 'leases'] as const;
export type Dump = Record<(typeof TABLES)[number], string[]>;

/** Every money row of the wallet's account, as sorted strings with ids replaced by names. */
export async function dumpRows(handle: DbHandle, wallet: Wallet): Promise<Dump> {
  const raw: Record<string, Record<string, unknown>[]> = {};
  for (const table of TABLES) raw[table] = (await handle.db.selectFrom(table).selectAll().where('account_id', '=', wallet.accountId).execute()) as Record<string, unknown>[];
  const names = new Map(wallet.names);
  // A batch transaction's key holds its own id: it is named by what it is, one per wallet and batch.
  for (const row of raw.ledger_transactions!) names.set(String(row.id), row.request_count === null ? `txn(${row.idempotency_key})` : 'txn(batch)');
  for (const row of raw.holds!) if (!String(row.id).startsWith(wallet.prefix) && !names.has(String(row.id))) names.set(String(row.id), `hold(${row.idempotency_key})`);
  // Generated ids first, the test's prefix last: the names of transactions still contain it.
  const rename = (text: string) => [...[...names].filter(([id]) => id !== wallet.prefix), [wallet.prefix, 'P'] as const].reduce((out, [id, name]) => out.split(id).join(name), text);
  const dump = {} as Dump;
  for (const table of TABLES) {
    const fields = (row: Record<string, unknown>) => Object.entries(row).filter(([key]) => !(table === 'ledger_entries' && key === 'id'));
    dump[table] = raw[table]!.map((row) => rename(fields(row).map(([key, value]) => `${key}=${value === null ? 'null' : String(value)}`).join(' '))).sort();
  }
  return dump;
}

/** What the account's entries moved, per ledger account (grant names, revenue), whatever the transactions. */
export async function entrySums(handle: DbHandle, wallet: Wallet): Promise<Record<string, bigint>> {
  const rows = await handle.db.selectFrom('ledger_entries').select(['ledger_account', 'amount_micros']).where('account_id', '=', wallet.accountId).execute();
  const sums: Record<string, bigint> = {};
  for (const row of rows) {
    const name = wallet.names.get(row.ledger_account) ?? row.ledger_account;
    sums[name] = (sums[name] ?? 0n) + BigInt(row.amount_micros);
  }
  return sums;
}
