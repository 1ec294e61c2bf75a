// What the acceptance tests read back after a request: an account's money figures, its holds,
// charges and usage records, straight from the database the gateway under test writes.
import type { GatewayFixture } from './support';

/** The fake's price: 0.75 credits per million tokens in and out, rounded up once per request. */
export function costMicros(promptTokens: number, completionTokens: number): bigint {
  return BigInt(Math.ceil(((promptTokens + completionTokens) * 750_000) / 1_000_000));
}

/** Micro-credits as the API writes them in `usage.cost`: "0.000006". */
export function formatCredits(micros: bigint): string {
  return `${micros / 1_000_000n}.${(micros % 1_000_000n).toString().padStart(6, '0')}`;
}

/** What the gateway reserves for a request: (body bytes + max_tokens) at 0.75 per million, rounded up. */
export function reservationFor(bodyBytes: number, maxTokens: number): bigint {
  return costMicros(bodyBytes, maxTokens);
}

export interface HoldRow {
  id: string;
  status: string;
  amountMicros: bigint;
  postedMicros: bigint | null;
}

export interface UsageRow {
  id: string;
  requestId: string;
  billing: string;
  upstream: string | null;
  statusCode: number;
  outcome: string;
  promptTokens: number;
  completionTokens: number;
  usageEstimated: number;
  costMicros: bigint;
  holdId: string | null;
}

export interface AccountState {
  balanceMicros: bigint;
  reservedMicros: bigint;
  holds: HoldRow[];
  /** Amounts of the account's charges (one per request, or per standalone hold's post), in creation order. */
  chargesMicros: bigint[];
  /** Transactions other than batch ones, plus one per charged request: what changes when money moves. */
  transactionCount: number;
  usage: UsageRow[];
}

/**
 * A request reserved from a lease has no hold row: its reservation and charge are on its request
 * row (usage_records, charge-rows.ts), and a batch's money is one transaction per wallet. So the
 * "holds" here are the standalone hold rows plus one per charged request row, and the charges
 * are one per request (or standalone hold's post), not per batch transaction.
 */
export async function accountState(fixture: GatewayFixture, accountId: string): Promise<AccountState> {
  const db = fixture.testApp.context.db;
  const [wallet, holds, transactions, usage] = await Promise.all([
    db.selectFrom('wallets').select(['balance_micros', 'reserved_micros']).where('account_id', '=', accountId).executeTakeFirst(),
    db.selectFrom('holds').selectAll().where('account_id', '=', accountId).orderBy('created_at_ms').execute(),
    db.selectFrom('ledger_transactions').select(['kind', 'amount_micros', 'request_count', 'created_at_ms']).where('account_id', '=', accountId).orderBy('created_at_ms').execute(),
    db.selectFrom('usage_records').selectAll().where('account_id', '=', accountId).orderBy('created_at_ms').orderBy('id').execute(),
  ]);
  const charged = usage.filter((row) => row.charge_status !== null);
  const requestHolds = charged.map((row) => ({
    id: row.hold_id!,
    status: row.charge_status!,
    amountMicros: BigInt(row.reserved_micros),
    postedMicros: row.charge_status === 'posted' ? BigInt(row.cost_micros) : null,
    atMs: Number(row.created_at_ms),
  }));
  const holdRows = holds.map((row) => ({
    id: row.id,
    status: row.status,
    amountMicros: BigInt(row.amount_micros),
    postedMicros: row.posted_micros === null ? null : BigInt(row.posted_micros),
    atMs: Number(row.created_at_ms),
  }));
  // One charge per request (its row) or per standalone transaction; batch transactions only carry the money.
  const charges = [
    ...transactions.filter((row) => row.request_count === null).map((row) => ({ kind: row.kind, micros: BigInt(row.amount_micros), atMs: Number(row.created_at_ms) })),
    ...charged.filter((row) => row.charge_status === 'posted').map((row) => ({ kind: 'charge', micros: BigInt(row.cost_micros), atMs: Number(row.created_at_ms) })),
  ].sort((a, b) => a.atMs - b.atMs);
  return {
    balanceMicros: BigInt(wallet?.balance_micros ?? 0),
    reservedMicros: BigInt(wallet?.reserved_micros ?? 0),
    holds: [...holdRows, ...requestHolds].sort((a, b) => a.atMs - b.atMs).map(({ atMs: _, ...hold }) => hold),
    chargesMicros: charges.filter((row) => row.kind === 'charge').map((row) => row.micros),
    transactionCount: charges.length,
    usage: usage.map((row) => ({
      id: row.id,
      requestId: row.request_id,
      billing: row.billing,
      upstream: row.upstream,
      statusCode: Number(row.status_code),
      outcome: row.outcome,
      promptTokens: Number(row.prompt_tokens),
      completionTokens: Number(row.completion_tokens),
      usageEstimated: Number(row.usage_estimated),
      costMicros: BigInt(row.cost_micros),
      holdId: row.hold_id,
    })),
  };
}

/** Polls `read` until `done` accepts its value or `timeoutMs` runs out; returns the last value. */
export async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() >= deadline) return value;
    await Bun.sleep(25);
  }
}

/** The error a promise rejects with, or a failure when it resolves. */
export async function errorOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail, and it succeeded');
}
