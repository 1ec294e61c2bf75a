// The shapes of the one charge definition (charge-rows.ts): what a charge is made of, and the
// rows it becomes, named by their columns so each database applies them without renaming.
import type { Selectable } from 'kysely';
import type { LedgerEntriesTable, LedgerTransactionsTable, UsageRecordsTable } from '../db/schema';
import type { UsageDailyRow, UsageTopRow } from '../usage/rollup';
import type { UsageRecord } from '../usage/service';
import type { Allocation } from './model';

/** Where a charge's credit comes from, which says what reservation the charge uses up. */
export type DrawSource =
  /** The process's lease: each draw uses up credit the lease reserved on that grant. */
  | { kind: 'lease'; leaseId: string }
  /** Unreserved credit, chosen by the transaction that applies the rows (the one-by-one fallback). */
  | { kind: 'free' }
  /** A standalone pending hold: released in full, and its row resolved rather than written. */
  | { kind: 'hold'; allocations: Allocation[] };

/** A lease after a batch's charges were drawn from it (the meter computes it from its mirror). */
export interface LeaseUpdate {
  leaseId: string;
  accountId: string;
  drawnMicros: bigint;
  allocations: Allocation[];
  expiresAtMs: number;
}

/** Subtracted from a grant: spent from remaining_micros, released from reserved_micros. */
export interface GrantRow {
  id: string;
  spent_micros: bigint;
  released_micros: bigint;
}

/** Subtracted from a wallet: spent from balance_micros, released from reserved_micros. */
export interface WalletRow {
  account_id: string;
  spent_micros: bigint;
  released_micros: bigint;
  updated_at_ms: bigint;
}

/** A lease row's new state; applying it fails unless the lease is still open. */
export interface LeaseRow {
  id: string;
  drawn_micros: bigint;
  allocations: string;
  expires_at_ms: bigint;
  updated_at_ms: bigint;
}

export interface Charge {
  accountId: string;
  /** null for a usage record that moves no money (plan billing). */
  holdId: string | null;
  outcome: 'posted' | 'voided' | 'record';
  /** The reservation: the hold's amount and when it was made. */
  reservedMicros: bigint;
  reservedAtMs: number;
  /** The charge asked for. The draws may fall short of it only when they come from free credit. */
  askedMicros: bigint;
  /** Which grants pay, and how much each (empty unless posted). */
  draws: Allocation[];
  source: DrawSource;
  /** The charge transaction's idempotency key. */
  idempotencyKey: string;
  memo: string | null;
  record: UsageRecord | null;
}

export interface HoldResolution {
  id: string;
  status: 'posted' | 'voided';
  posted_micros: bigint | null;
  resolved_at_ms: bigint;
}

/** What a set of charges writes, per table, with every column given (the appliers add nothing). */
export interface ChargeRows {
  /** Wallets first: applying them takes the wallet locks before any grant's, like every ledger write. */
  wallets: WalletRow[];
  holdResolutions: HoldResolution[];
  transactions: Selectable<LedgerTransactionsTable>[];
  entries: Omit<Selectable<LedgerEntriesTable>, 'id'>[];
  /** One per request: its usage record, carrying its charge (status, reservation, draws, transaction). */
  usage: Selectable<UsageRecordsTable>[];
  grants: GrantRow[];
  leases: LeaseRow[];
  /** The console's rollups of `usage` (src/usage/rollup.ts), applied in the same batch. */
  usageDaily: UsageDailyRow[];
  usageTop: UsageTopRow[];
}

/** A charge's fingerprint: the same idempotency key with another hold or amount is refused. */
export function chargeFingerprint(holdId: string | null, askedMicros: bigint): string {
  return `charge|${holdId}|${askedMicros}`;
}

/** A batch transaction's fingerprint; its requests' rows carry the replay protection. */
export function batchFingerprint(requestCount: number, amountMicros: bigint): string {
  return `batch|${requestCount}|${amountMicros}`;
}
