// What an account keeps about Stripe: the customer it pays through, and the plan its
// subscriptions decide. Plain functions over the db handle; nothing here calls Stripe.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { notFound } from '../errors';

export interface StripeBillingFacts {
  accountId: string;
  name: string;
  email: string | null;
  stripeCustomerId: string | null;
  /** The card a Checkout saved for off-session charges (auto-refill charges it); null until one did. */
}

export async function getStripeBillingFacts(db: Kysely<Database>, accountId: string): Promise<StripeBillingFacts> {
  const row = await db
    .selectFrom('accounts')
    .select(['id', 'name', 'email', 'stripe_customer_id'])
    .where('id', '=', accountId)
    .executeTakeFirst();
  if (!row) throw notFound(`account ${accountId}`, 'id');
  return { accountId: row.id, name: row.name, email: row.email, stripeCustomerId: row.stripe_customer_id };
}

/**
 * Remembers the account's Stripe customer unless it already has one, and answers the one it
 * has: of two checkouts racing to create the customer, the first to store it wins for good.
 */
export async function rememberStripeCustomer(db: Kysely<Database>, accountId: string, customerId: string, nowMs: number): Promise<string> {
  await db
    .updateTable('accounts')
    .set({ stripe_customer_id: customerId, updated_at_ms: BigInt(nowMs) })
    .where('id', '=', accountId)
    .where('stripe_customer_id', 'is', null)
    .execute();
  const facts = await getStripeBillingFacts(db, accountId);
  return facts.stripeCustomerId ?? customerId;
}


/** The account whose Stripe customer this is, if any. */
export async function findAccountByStripeCustomer(db: Kysely<Database>, customerId: string): Promise<string | null> {
  const row = await db.selectFrom('accounts').select('id').where('stripe_customer_id', '=', customerId).executeTakeFirst();
  return row?.id ?? null;
}

export async function accountExists(db: Kysely<Database>, accountId: string): Promise<boolean> {
  return (await db.selectFrom('accounts').select('id').where('id', '=', accountId).executeTakeFirst()) !== undefined;
}

/**
 * Sets the plan a subscription event decided, unless an admin set the plan at or after the
 * moment Stripe created that event. Answers whether the plan changed.
 */
export async function setPlanFromSubscription(
  db: Kysely<Database>,
  accountId: string,
  plan: string | null,
  eventCreatedAtMs: number,
  nowMs: number,
): Promise<boolean> {
  const result = await db
    .updateTable('accounts')
    .set({ plan, updated_at_ms: BigInt(nowMs) })
    .where('id', '=', accountId)
    .where((eb) => eb.or([eb('plan_set_by_admin_at_ms', 'is', null), eb('plan_set_by_admin_at_ms', '<', BigInt(eventCreatedAtMs))]))
    // Only a real change counts, so the caller clears the key cache only when it must.
    .where((eb) => (plan === null ? eb('plan', 'is not', null) : eb.or([eb('plan', 'is', null), eb('plan', '!=', plan)])))
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
