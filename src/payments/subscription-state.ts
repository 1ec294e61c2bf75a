// Pure rules that turn subscription events into an account's plan: which event supersedes the
// state recorded for its subscription, and which plan an account's subscriptions grant.
import type { PlanConfig } from '../config';

export interface SubscriptionSnapshot {
  id: string;
  accountId: string;
  customerId: string;
  status: string;
  priceId: string | null;
  subscriptionCreatedAtMs: number;
  /** The event that left the subscription in this state: its time, and its id for ties. */
  eventCreatedAtMs: number;
  eventId: string;
}

/** Stripe never revives a subscription in these states. */
const ENDED_STATUSES = new Set(['canceled', 'incomplete_expired']);

/**
 * Statuses that keep the plan. past_due is among them: Stripe is still retrying the renewal
 * (its dunning), and a subscription whose retries all fail becomes canceled or unpaid, which
 * ends the plan then. incomplete (first payment not made), unpaid and paused grant nothing.
 */
const PLAN_STATUSES = new Set(['active', 'trialing', 'past_due']);

export function isEnded(status: string): boolean {
  return ENDED_STATUSES.has(status);
}

/**
 * Whether an event's state replaces the recorded one. Newer wins: by Stripe's event time, ties
 * (events of one second) broken by event id, so any order of delivery ends in the same state.
 * And an ended subscription stays ended, whatever the clock says: within one second Stripe may
 * create "updated" and "deleted" together, and only the end can be the last word.
 */
export function supersedes(incoming: SubscriptionSnapshot, recorded: SubscriptionSnapshot): boolean {
  if (isEnded(recorded.status) !== isEnded(incoming.status)) return isEnded(incoming.status);
  if (incoming.eventCreatedAtMs !== recorded.eventCreatedAtMs) return incoming.eventCreatedAtMs > recorded.eventCreatedAtMs;
  return incoming.eventId > recorded.eventId;
}

/** The configured plan sold at this Stripe price, if any. */
export function planOfPrice(priceId: string | null, plans: Readonly<Record<string, PlanConfig>>): string | null {
  if (priceId === null) return null;
  return Object.entries(plans).find(([, plan]) => plan.stripePrice === priceId)?.[0] ?? null;
}

/** Of a subscription's item prices, the one naming a plan, else the first (kept for the record). */
export function choosePrice(priceIds: readonly string[], plans: Readonly<Record<string, PlanConfig>>): string | null {
  return priceIds.find((priceId) => planOfPrice(priceId, plans) !== null) ?? priceIds[0] ?? null;
}

/**
 * The plan an account's subscriptions grant: that of the newest subscription (Stripe's
 * subscription.created, then id) whose status keeps a plan and whose price names one; none
 * when no subscription does.
 */
export function derivePlan(subscriptions: readonly SubscriptionSnapshot[], plans: Readonly<Record<string, PlanConfig>>): string | null {
  const granting = subscriptions
    .filter((subscription) => PLAN_STATUSES.has(subscription.status) && planOfPrice(subscription.priceId, plans) !== null)
    .sort((a, b) => b.subscriptionCreatedAtMs - a.subscriptionCreatedAtMs || (b.id > a.id ? 1 : b.id < a.id ? -1 : 0));
  return granting.length > 0 ? planOfPrice(granting[0]!.priceId, plans) : null;
}
