// The handler of customer.subscription.created, .updated and .deleted: records the
// subscription's state when the event is newer than the recorded one, and sets the account's
// plan to what its subscriptions now grant. Replays and out-of-order deliveries change nothing.
import type { Transaction } from 'kysely';
import type Stripe from 'stripe';
import * as accounts from '../accounts/service';
import * as stripeAccounts from '../accounts/stripe';
import type { Database } from '../db/schema';
import { UnusableEventError, type StripeEventContext } from './event-types';
import { choosePrice, derivePlan, isEnded, supersedes, type SubscriptionSnapshot } from './subscription-state';
import * as store from './subscription-store';
import { log } from '../logs/logger';

export async function applySubscriptionEvent(trx: Transaction<Database>, event: Stripe.Event, context: StripeEventContext): Promise<void> {
  const { namedAccountId, ...subscription } = readSubscription(event, context);
  const accountId = await findAccount(trx, namedAccountId, subscription.customerId);
  if (accountId === null) {
    log.warn(`[inferport] Stripe event ${event.id}: subscription ${subscription.id} (customer ${subscription.customerId}) belongs to no account here; ignored`);
    return;
  }
  // Events of one account are applied one at a time: each reads all of its subscriptions.
  await accounts.lockAccountById(trx, accountId);
  const snapshot: SubscriptionSnapshot = { ...subscription, accountId };
  const recorded = await store.getSubscription(trx, snapshot.id);
  if (recorded && !supersedes(snapshot, recorded)) return;
  await store.saveSubscription(trx, snapshot, context.nowMs);
  const plan = derivePlan(await store.listAccountSubscriptions(trx, accountId), context.config.plans);
  const changed = await stripeAccounts.setPlanFromSubscription(trx, accountId, plan, snapshot.eventCreatedAtMs, context.nowMs);
  if (changed) context.afterCommit(context.clearKeyCache);
}

interface ReadSubscription extends Omit<SubscriptionSnapshot, 'accountId'> {
  namedAccountId: string | null;
}

/** The fields the handler needs, from the event's subscription object; UnusableEventError when it has none. */
function readSubscription(event: Stripe.Event, context: StripeEventContext): ReadSubscription {
  const object = (event.data as { object?: unknown } | undefined)?.object as Partial<Stripe.Subscription> | undefined;
  const customer = typeof object?.customer === 'string' ? object.customer : (object?.customer as { id?: unknown } | undefined)?.id;
  if (
    typeof object !== 'object' || object === null || object.object !== 'subscription' || typeof object.id !== 'string' ||
    typeof object.status !== 'string' || !Number.isSafeInteger(object.created) || typeof customer !== 'string' || !Number.isSafeInteger(event.created)
  ) {
    throw new UnusableEventError(`event ${event.id} of type ${event.type} does not carry a subscription with id, status, created and customer`);
  }
  const items = Array.isArray(object.items?.data) ? object.items.data : [];
  const prices = items.map((item) => (typeof item?.price === 'string' ? item.price : item?.price?.id)).filter((id): id is string => typeof id === 'string');
  const named = object.metadata?.account_id;
  // A deleted subscription is over, whatever status its last snapshot shows.
  const status = event.type === 'customer.subscription.deleted' && !isEnded(object.status) ? 'canceled' : object.status;
  return {
    id: object.id,
    customerId: customer,
    status,
    priceId: choosePrice(prices, context.config.plans),
    subscriptionCreatedAtMs: object.created! * 1000,
    eventCreatedAtMs: event.created * 1000,
    eventId: event.id,
    namedAccountId: typeof named === 'string' && named !== '' ? named : null,
  };
}

/** The account named in the subscription's metadata (set by our checkout), else the customer's. */
async function findAccount(trx: Transaction<Database>, namedAccountId: string | null, customerId: string): Promise<string | null> {
  if (namedAccountId && (await stripeAccounts.accountExists(trx, namedAccountId))) return namedAccountId;
  return stripeAccounts.findAccountByStripeCustomer(trx, customerId);
}
