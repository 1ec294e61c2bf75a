// Reading an account's usage records back, oldest first, a page at a time (the usage export):
// one line per request, with the name of the key that made it.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';

export interface UsageLine {
  /** The usage record's id: also the id of the request's charge line in the ledger. */
  id: string;
  requestId: string;
  keyId: string;
  keyName: string | null;
  billing: 'credits' | 'plan';
  endpoint: string;
  model: string;
  statusCode: number;
  outcome: string;
  promptTokens: bigint;
  completionTokens: bigint;
  usageEstimated: boolean;
  /** What the request was charged: its cost when its charge posted, else nothing. */
  chargedMicros: bigint;
  createdAtMs: number;
}

/** Strictly after this record in (time, id) order. */
export interface UsagePosition {
  createdAtMs: number;
  id: string;
}

export interface UsageWindow {
  limit: number;
  fromMs: number | null;
  beforeMs: number | null;
  after: UsagePosition | null;
}

/** One page of the account's requests in [fromMs, beforeMs), by (created_at_ms, id), after `after`. */
export async function readUsageLines(db: Kysely<Database>, accountId: string, window: UsageWindow): Promise<UsageLine[]> {
  let query = db
    .selectFrom('usage_records')
    .leftJoin('api_keys', 'api_keys.id', 'usage_records.key_id')
    .select([
      'usage_records.id',
      'usage_records.request_id',
      'usage_records.key_id',
      'api_keys.name as key_name',
      'usage_records.billing',
      'usage_records.endpoint',
      'usage_records.model',
      'usage_records.status_code',
      'usage_records.outcome',
      'usage_records.prompt_tokens',
      'usage_records.completion_tokens',
      'usage_records.usage_estimated',
      'usage_records.cost_micros',
      'usage_records.charge_status',
      'usage_records.created_at_ms',
    ])
    .where('usage_records.account_id', '=', accountId);
  if (window.fromMs !== null) query = query.where('usage_records.created_at_ms', '>=', BigInt(window.fromMs));
  if (window.beforeMs !== null) query = query.where('usage_records.created_at_ms', '<', BigInt(window.beforeMs));
  const after = window.after;
  if (after !== null) {
    const atMs = BigInt(after.createdAtMs);
    query = query.where((eb) => eb.or([eb('usage_records.created_at_ms', '>', atMs), eb.and([eb('usage_records.created_at_ms', '=', atMs), eb('usage_records.id', '>', after.id)])]));
  }
  const rows = await query.orderBy('usage_records.created_at_ms').orderBy('usage_records.id').limit(window.limit).execute();
  return rows.map((row) => ({
    id: row.id,
    requestId: row.request_id,
    keyId: row.key_id,
    keyName: row.key_name,
    billing: row.billing,
    endpoint: row.endpoint,
    model: row.model,
    statusCode: Number(row.status_code),
    outcome: row.outcome,
    promptTokens: BigInt(row.prompt_tokens),
    completionTokens: BigInt(row.completion_tokens),
    usageEstimated: Number(row.usage_estimated) === 1,
    chargedMicros: row.charge_status === 'posted' ? BigInt(row.cost_micros) : 0n,
    createdAtMs: Number(row.created_at_ms),
  }));
}
