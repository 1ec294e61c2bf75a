// The Database interface Kysely types every query with: one XTable per table, snake_case as in
// SQL. Services map rows to camelCase domain objects in one rowToX function per table.
import type { Generated } from 'kysely';

export interface AccountsTable {
  id: string;
  name: string;
  email: string | null;
  status: 'active' | 'suspended' | 'closed';
  plan: string | null;
  created_at_ms: bigint;
  updated_at_ms: bigint;
  /** JSON array of the models every key of the account may use; null: no narrowing. */
  models: string | null;
  stripe_customer_id: string | null;
  /** When an admin last set the plan; subscription events created before it leave the plan alone. */
  plan_set_by_admin_at_ms: bigint | null;
}

export interface ApiKeysTable {
  id: string;
  account_id: string;
  name: string | null;
  key_hash: string;
  prefix: string;
  billing: 'credits' | 'plan';
  models: string | null;
  expires_at_ms: bigint | null;
  revoked_at_ms: bigint | null;
  created_at_ms: bigint;
  /** JSON object of the key's own quota limits (snake_case, each a number or null); null: none. */
  limits: string | null;
  /** The team member the key was issued to (migration 020); null: the account's own key. */
  member_id: string | null;
}

export interface SchemaMigrationsTable {
  version: bigint;
  name: string;
  applied_at_ms: bigint;
}

export interface WalletsTable {
  account_id: string;
  balance_micros: bigint;
  reserved_micros: bigint;
  updated_at_ms: bigint;
}

export type GrantKind = 'paid' | 'promo';

export interface GrantsTable {
  id: string;
  account_id: string;
  kind: GrantKind;
  source: string;
  amount_micros: bigint;
  remaining_micros: bigint;
  reserved_micros: bigint;
  expires_at_ms: bigint | null;
  created_at_ms: bigint;
}

export type LedgerTransactionKind = 'grant' | 'charge' | 'expire' | 'refund' | 'adjust';

export interface LedgerTransactionsTable {
  id: string;
  idempotency_key: string;
  fingerprint: string;
  kind: LedgerTransactionKind;
  account_id: string;
  amount_micros: bigint;
  hold_id: string | null;
  memo: string | null;
  created_at_ms: bigint;
  /** Set on a settlement batch's transaction: how many request rows (usage_records) it sums. */
  request_count: bigint | null;
}

export interface LedgerEntriesTable {
  id: Generated<bigint>;
  transaction_id: string;
  book: 'grant' | 'system';
  ledger_account: string;
  account_id: string;
  amount_micros: bigint;
  created_at_ms: bigint;
}

export type HoldStatus = 'pending' | 'posted' | 'voided' | 'expired';

export interface HoldsTable {
  id: string;
  account_id: string;
  idempotency_key: string;
  amount_micros: bigint;
  allocations: string;
  status: HoldStatus;
  posted_micros: bigint | null;
  expires_at_ms: bigint;
  created_at_ms: bigint;
  resolved_at_ms: bigint | null;
}

export interface UsageRecordsTable {
  id: string;
  request_id: string;
  key_id: string;
  account_id: string;
  billing: 'credits' | 'plan';
  endpoint: string;
  model: string;
  upstream: string | null;
  status_code: number;
  outcome: string;
  prompt_tokens: bigint;
  completion_tokens: bigint;
  usage_estimated: number;
  cost_micros: bigint;
  hold_id: string | null;
  latency_ms: number;
  ttft_ms: number | null;
  created_at_ms: bigint;
  /** The request's charge, for a credit-billed request: null for a record that moves no money. */
  charge_status: 'posted' | 'voided' | null;
  reserved_micros: bigint;
  /** JSON list of {grant_id, micros}: the grants its cost was drawn from. */
  draws: string;
  /** The batch transaction that carries the money; null unless posted. */
  transaction_id: string | null;
}

export interface LeasesTable {
  id: string;
  account_id: string;
  owner: string;
  amount_micros: bigint;
  allocations: string;
  status: 'open' | 'closed' | 'expired';
  captured_micros: bigint;
  expires_at_ms: bigint;
  created_at_ms: bigint;
  updated_at_ms: bigint;
  /** Set when another process asked for the lease's unused credit back; cleared when answered. */
  reclaim_requested_at_ms: Generated<bigint | null>;
}

export type StripeEventStatus = 'pending' | 'processed' | 'failed';

export interface StripeEventsTable {
  id: string;
  type: string;
  payload: string;
  created_at_ms: bigint;
  received_at_ms: bigint;
  status: StripeEventStatus;
  processed_at_ms: bigint | null;
  attempts: bigint;
  last_error: string | null;
  next_attempt_at_ms: bigint | null;
}

export interface StripeSubscriptionsTable {
  id: string;
  account_id: string;
  customer_id: string;
  status: string;
  price_id: string | null;
  subscription_created_at_ms: bigint;
  event_created_at_ms: bigint;
  event_id: string;
  updated_at_ms: bigint;
}

export interface PurchasesTable {
  id: string;
  account_id: string;
  source: 'checkout' | 'auto_refill';
  stripe_payment_intent_id: string;
  stripe_checkout_session_id: string | null;
  stripe_charge_id: string | null;
  amount_minor: bigint;
  currency: string;
  credits_micros: bigint;
  grant_id: string;
  transaction_id: string;
  refunded_micros: Generated<bigint>;
  created_at_ms: bigint;
}

export type ReceiptStatus = 'pending' | 'sent' | 'skipped' | 'failed';

export interface ReceiptsTable {
  purchase_id: string;
  account_id: string;
  status: ReceiptStatus;
  attempts: bigint;
  next_attempt_at_ms: bigint | null;
  last_error: string | null;
  recipient: string | null;
  sent_at_ms: bigint | null;
  created_at_ms: bigint;
}

export interface CouponsTable {
  /** The normalised code (src/coupons/code.ts). */
  code: string;
  amount_micros: bigint;
  max_redemptions: bigint | null;
  redemptions: bigint;
  expires_at_ms: bigint | null;
  credit_expires_days: number | null;
  disabled_at_ms: bigint | null;
  created_at_ms: bigint;
}

export interface CouponRedemptionsTable {
  coupon_code: string;
  account_id: string;
  grant_id: string;
  transaction_id: string;
  created_at_ms: bigint;
}

export interface AutoRefillSettingsTable {
  account_id: string;
  /** 0 or 1 (an integer in both databases). */
  enabled: Generated<bigint | number>;
  threshold_micros: Generated<bigint>;
  amount_micros: Generated<bigint>;
  stripe_payment_method_id: string | null;
  consecutive_failures: Generated<bigint>;
  retry_after_ms: bigint | null;
  disabled_reason: 'failures' | 'authentication_required' | 'dispute' | null;
  action_required: 'authentication_required' | null;
  action_url: string | null;
  action_url_expires_at_ms: bigint | null;
  updated_at_ms: bigint;
}

export type RefillAttemptStatus = 'pending' | 'processing' | 'succeeded' | 'failed';

export interface AutoRefillAttemptsTable {
  id: string;
  account_id: string;
  status: RefillAttemptStatus;
  amount_micros: bigint;
  amount_minor: bigint;
  currency: string;
  stripe_payment_intent_id: string | null;
  failure_code: string | null;
  failure_message: string | null;
  submit_tries: Generated<bigint>;
  submit_after_ms: bigint | null;
  created_at_ms: bigint;
  updated_at_ms: bigint;
}

export interface AlertsTable {
  id: string;
  account_id: string;
  kind: string;
  message: string;
  created_at_ms: bigint;
  /** JSON text: the alert's facts for a webhook's receiver (amounts as decimal strings). */
  data: string | null;
  /** Unique when set: the same period's or deployment's alert is recorded once. */
  dedupe_key: string | null;
}

export interface AlertSettingsTable {
  account_id: string;
  webhook_url: string | null;
  webhook_secret: string | null;
  low_balance_threshold_micros: bigint | null;
  low_balance_armed: Generated<number>;
  daily_summary: Generated<number>;
  weekly_summary: Generated<number>;
  deployment_cost_micros: bigint | null;
  updated_at_ms: bigint;
}

export type AlertChannel = 'webhook' | 'email';
export type AlertDeliveryStatus = 'pending' | 'delivered' | 'failed' | 'skipped';

export interface AlertDeliveriesTable {
  id: string;
  alert_id: string;
  account_id: string;
  channel: AlertChannel;
  target: string;
  status: AlertDeliveryStatus;
  attempts: bigint;
  next_attempt_at_ms: bigint | null;
  last_error: string | null;
  delivered_at_ms: bigint | null;
  created_at_ms: bigint;
}

export type DeploymentStatus = 'running' | 'paused' | 'stopped';

export interface DeploymentsTable {
  id: string;
  account_id: string;
  model: string;
  instance_type: string;
  upstream_url: string;
  per_hour_micros: bigint;
  status: DeploymentStatus;
  started_at_ms: bigint;
  paused_at_ms: bigint | null;
  stopped_at_ms: bigint | null;
  created_at_ms: bigint;
  updated_at_ms: bigint;
}

export interface DeploymentHoursTable {
  deployment_id: string;
  hour_index: bigint;
  account_id: string;
  amount_micros: bigint;
  transaction_id: string;
  charged_at_ms: bigint;
}

export interface UsageDailyTable {
  account_id: string;
  day_index: bigint;
  model: string;
  upstream: string;
  requests: bigint;
  prompt_tokens: bigint;
  completion_tokens: bigint;
  cost_micros: bigint;
}

/** Per account and UTC day, a superset of its 10 most expensive requests (migration 018, src/usage/rollup.ts). */
export interface UsageTopTable {
  account_id: string;
  day_index: bigint;
  cost_micros: bigint;
  record_id: string;
}

export type RefundStatus = 'requested' | 'approved' | 'rejected' | 'refunded';

export interface RefundsTable {
  id: string;
  account_id: string;
  status: RefundStatus;
  reason: string;
  credits_micros: bigint | null;
  amount_minor: bigint | null;
  created_at_ms: bigint;
  decided_at_ms: bigint | null;
  completed_at_ms: bigint | null;
}

export type RefundItemStatus = 'pending' | 'submitted' | 'succeeded' | 'failed';

export interface RefundItemsTable {
  refund_id: string;
  purchase_id: string;
  credits_micros: bigint;
  amount_minor: bigint;
  transaction_id: string;
  status: RefundItemStatus;
  stripe_refund_id: string | null;
  submit_tries: Generated<bigint>;
  submit_after_ms: bigint | null;
  last_error: string | null;
  created_at_ms: bigint;
}

export interface DisputesTable {
  id: string;
  account_id: string;
  stripe_charge_id: string | null;
  stripe_payment_intent_id: string | null;
  status: string;
  amount_minor: bigint;
  created_at_ms: bigint;
  closed_at_ms: bigint | null;
}

export interface Database {
  accounts: AccountsTable;
  api_keys: ApiKeysTable;
  schema_migrations: SchemaMigrationsTable;
  wallets: WalletsTable;
  grants: GrantsTable;
  ledger_transactions: LedgerTransactionsTable;
  ledger_entries: LedgerEntriesTable;
  holds: HoldsTable;
  usage_records: UsageRecordsTable;
  leases: LeasesTable;
  stripe_events: StripeEventsTable;
  stripe_subscriptions: StripeSubscriptionsTable;
  purchases: PurchasesTable;
  receipts: ReceiptsTable;
  coupons: CouponsTable;
  coupon_redemptions: CouponRedemptionsTable;
  auto_refill_settings: AutoRefillSettingsTable;
  auto_refill_attempts: AutoRefillAttemptsTable;
  alerts: AlertsTable;
  alert_settings: AlertSettingsTable;
  alert_deliveries: AlertDeliveriesTable;
  refunds: RefundsTable;
  refund_items: RefundItemsTable;
  disputes: DisputesTable;
  deployments: DeploymentsTable;
  deployment_hours: DeploymentHoursTable;
  usage_daily: UsageDailyTable;
  usage_top: UsageTopTable;
  team_members: TeamMembersTable;
  spend_caps: SpendCapsTable;
  spend_holds: SpendHoldsTable;
  key_spend_daily: KeySpendDailyTable;
  admin_audit_log: AdminAuditLogTable;
  ledger_audit_checkpoint: LedgerAuditCheckpointTable;
  ledger_audit_sums: LedgerAuditSumsTable;
}

// Teams (migration 020, src/teams).
export interface TeamMembersTable {
  id: string;
  account_id: string;
  name: string;
  email: string | null;
  created_at_ms: bigint;
  removed_at_ms: bigint | null;
}

export interface SpendCapsTable {
  subject_id: string;
  account_id: string;
  daily_micros: bigint | null;
  monthly_micros: bigint | null;
  updated_at_ms: bigint;
}

export interface SpendHoldsTable {
  id: string;
  account_id: string;
  key_id: string;
  member_id: string | null;
  amount_micros: bigint;
  created_at_ms: bigint;
  expires_at_ms: bigint;
}

export interface KeySpendDailyTable {
  key_id: string;
  day_index: bigint;
  account_id: string;
  requests: bigint;
  cost_micros: bigint;
}

/** An admin write that succeeded, by which named admin credential (migration 021, src/audit-log). */
export interface AdminAuditLogTable {
  id: string;
  admin_name: string;
  method: string;
  route: string;
  path: string;
  target_id: string | null;
  detail: string;
  status: number;
  created_at_ms: bigint;
}

/** Where `inferport audit` stopped (migration 021, src/recovery/incremental-audit.ts). */
export interface LedgerAuditCheckpointTable {
  id: number;
  last_entry_id: bigint;
  grant_book_micros: bigint;
  updated_at_ms: bigint;
}

export interface LedgerAuditSumsTable {
  grant_id: string;
  account_id: string;
  amount_micros: bigint;
}

export type { Generated };
