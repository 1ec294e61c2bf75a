// The table stripe_subscriptions: each subscription as its newest applied event left it.
import type { Selectable, Transaction } from 'kysely';
import type { Database, StripeSubscriptionsTable } from '../db/schema';
import type { SubscriptionSnapshot } from './subscription-state';

function rowToSubscription(row: Selectable<StripeSubscriptionsTable>): SubscriptionSnapshot {
  return {
    id: row.id,
    accountId: row.account_id,
    customerId: row.customer_id,
    status: row.status,
    priceId: row.price_id,
    subscriptionCreatedAtMs: Number(row.subscription_created_at_ms),
    eventCreatedAtMs: Number(row.event_created_at_ms),
    eventId: row.event_id,
  };
}

export async function getSubscription(trx: Transaction<Database>, id: string): Promise<SubscriptionSnapshot | null> {
  const row = await trx.selectFrom('stripe_subscriptions').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? rowToSubscription(row) : null;
}

export async function listAccountSubscriptions(trx: Transaction<Database>, accountId: string): Promise<SubscriptionSnapshot[]> {
  const rows = await trx.selectFrom('stripe_subscriptions').selectAll().where('account_id', '=', accountId).execute();
  return rows.map(rowToSubscription);
}

export async function saveSubscription(trx: Transaction<Database>, snapshot: SubscriptionSnapshot, nowMs: number): Promise<void> {
  const state = {
    account_id: snapshot.accountId,
    customer_id: snapshot.customerId,
    status: snapshot.status,
    price_id: snapshot.priceId,
    subscription_created_at_ms: BigInt(snapshot.subscriptionCreatedAtMs),
    event_created_at_ms: BigInt(snapshot.eventCreatedAtMs),
    event_id: snapshot.eventId,
    updated_at_ms: BigInt(nowMs),
  };
  await trx
    .insertInto('stripe_subscriptions')
    .values({ id: snapshot.id, ...state })
    .onConflict((conflict) => conflict.column('id').doUpdateSet(state))
    .execute();
}
