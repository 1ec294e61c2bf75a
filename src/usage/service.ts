// Usage records: one per gateway request. Credit-billed requests write theirs inside the ledger
// transaction that charges or releases the hold, so a charge never exists without its record.
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema';
import { usageDailyRows, usageTopRows } from './rollup';
import { insertUsageTop, upsertUsageDaily } from './rollup-statements';

export interface UsageRecord {
  id: string;
  requestId: string;
  keyId: string;
  accountId: string;
  billing: 'credits' | 'plan';
  endpoint: string;
  model: string;
  upstream: string | null;
  statusCode: number;
  /** ok | upstream_error | upstream_unavailable | upstream_broken | client_aborted | rejected */
  outcome: string;
  promptTokens: number;
  completionTokens: number;
  usageEstimated: boolean;
  costMicros: bigint;
  holdId: string | null;
  latencyMs: number;
  ttftMs: number | null;
  createdAtMs: number;
}

/** Inserts one record and adds it into the console's rollups, in one transaction (the caller's, if it is one). */
export async function insertUsageRecord(db: Kysely<Database> | Transaction<Database>, record: UsageRecord): Promise<void> {
  if (!db.isTransaction) return db.transaction().execute((trx) => insertUsageRecord(trx, record));
  const row = usageRow(record);
  await db.insertInto('usage_records').values(row).execute();
  await db.executeQuery(upsertUsageDaily(db, usageDailyRows([row])));
  const top = usageTopRows([row]);
  if (top.length > 0) await db.executeQuery(insertUsageTop(db, top));
}

/** The one mapping of a usage record to its row (the ledger's batch writer inserts rows too). */
export function usageRow(record: UsageRecord) {
  return {
    id: record.id,
    request_id: record.requestId,
    key_id: record.keyId,
    account_id: record.accountId,
    billing: record.billing,
    endpoint: record.endpoint,
    model: record.model,
    upstream: record.upstream,
    status_code: record.statusCode,
    outcome: record.outcome,
    prompt_tokens: BigInt(record.promptTokens),
    completion_tokens: BigInt(record.completionTokens),
    usage_estimated: record.usageEstimated ? 1 : 0,
    cost_micros: record.costMicros,
    hold_id: record.holdId,
    latency_ms: Math.round(record.latencyMs),
    ttft_ms: record.ttftMs === null ? null : Math.round(record.ttftMs),
    created_at_ms: BigInt(record.createdAtMs),
    // The charge columns: the ledger's charge rows fill them in for a credit-billed request.
    charge_status: null as 'posted' | 'voided' | null,
    reserved_micros: 0n,
    draws: '[]',
    transaction_id: null as string | null,
  };
}
