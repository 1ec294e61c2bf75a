// Ledger domain types. Amounts are bigint micro-credits.
import type { GrantKind, HoldStatus } from '../db/schema';

export type { GrantKind, HoldStatus };

/**
 * The most a wallet may hold, and so the most one grant may add: 10^15 micro-credits, one
 * billion credits. Every sum the ledger keeps (a wallet's balance, a grant's remaining, a
 * batch's charges) then stays under 2^63 by a factor of thousands, in int8 and in bigint.
 */
export const BALANCE_MICROS_MAX = 1_000_000_000_000_000n;

export interface Grant {
  id: string;
  accountId: string;
  kind: GrantKind;
  source: string;
  amountMicros: bigint;
  remainingMicros: bigint;
  reservedMicros: bigint;
  expiresAtMs: number | null;
  createdAtMs: number;
}

export interface Allocation {
  grantId: string;
  micros: bigint;
}

export interface Hold {
  id: string;
  accountId: string;
  amountMicros: bigint;
  allocations: Allocation[];
  status: HoldStatus;
  postedMicros: bigint | null;
  expiresAtMs: number;
  createdAtMs: number;
}

export interface WalletSummary {
  accountId: string;
  /** Spendable credit: unexpired grants' remaining amounts. */
  balanceMicros: bigint;
  paidMicros: bigint;
  promoMicros: bigint;
  /** Held against live grants: pending holds and open leases (see read.ts). */
  reservedMicros: bigint;
  /** What a new reservation can take: balance minus what is reserved against it. */
  availableMicros: bigint;
}

export interface PostResult {
  transactionId: string;
  chargedMicros: bigint;
  /** What could not be charged because the usage exceeded the hold and the wallet ran dry. */
  shortfallMicros: bigint;
  replayed: boolean;
}

/** System ledger accounts: the other side of every wallet movement. */
export const SYSTEM_ACCOUNTS = {
  issuedPaid: 'issued_paid',
  issuedPromo: 'issued_promo',
  revenue: 'revenue',
  expired: 'expired',
  refunded: 'refunded',
} as const;
