// What a Stripe event handler is given and may do. Handlers run inside the transaction that
// marks their event processed: what they write commits with that mark or not at all, and what
// must wait for the commit (clearing a cache, calling out) goes through `afterCommit`.
import type { Transaction } from 'kysely';
import type Stripe from 'stripe';
import type { Config } from '../config';
import type { Database } from '../db/schema';

export interface StripeEventContext {
  config: Config;
  /** The processor's clock, in milliseconds since the epoch. */
  nowMs: number;
  /** Runs `effect` once the handling transaction has committed; never when it rolls back. */
  afterCommit: (effect: () => void) => void;
  /** Clears this replica's API key cache: authenticated keys carry their account's plan. */
  clearKeyCache: () => void;
  /** Starts sending the pending receipts (a purchase writes its own); for `afterCommit`. */
  sendReceipts: () => void;
}

/** Handles one event; throws to have it retried later (UnusableEventError: not retried). */
export type StripeEventHandler = (trx: Transaction<Database>, event: Stripe.Event, context: StripeEventContext) => Promise<void>;

export type StripeEventHandlers = Readonly<Record<string, StripeEventHandler>>;

/** A verified event whose payload no retry can make usable: it is marked failed at once. */
export class UnusableEventError extends Error {}
