// Handlers of charge.dispute.created and charge.dispute.closed. A dispute of one of an account's
// purchases stops its auto-refill (charging a card whose holder disputes a payment invites
// more) and holds its refunds until Stripe closes the dispute; both raise an alert. A dispute
// of a payment that is no purchase here (a subscription's invoice) is logged and left alone.
import type { Transaction } from 'kysely';
import type Stripe from 'stripe';
import * as alerts from '../alerts/service';
import type { Database } from '../db/schema';
import { formatCents } from './credit-price';
import { closeDispute, openDispute } from './dispute-store';
import { UnusableEventError, type StripeEventContext } from './event-types';
import { idOf } from './stripe-objects';
import { findPurchaseByPaymentIntent, rowToPurchase } from './purchases';
import { lockSettingsById, updateSettings } from './refill-settings';
import { log } from '../logs/logger';

export async function applyDisputeCreated(trx: Transaction<Database>, event: Stripe.Event, context: StripeEventContext): Promise<void> {
  const dispute = readDispute(event);
  const purchase = await purchaseOf(trx, dispute);
  if (!purchase) {
    log.warn(`[inferport] Stripe event ${event.id}: dispute ${dispute.id} is of charge ${idOf(dispute.charge)}, no purchase here; ignored`);
    return;
  }
  const accountId = purchase.accountId;
  const input = { id: dispute.id, accountId, chargeId: idOf(dispute.charge), paymentIntentId: idOf(dispute.payment_intent), status: dispute.status, amountMinor: BigInt(dispute.amount) };
  if (!(await openDispute(trx, input, context.nowMs))) return;
  const settings = await lockSettingsById(trx, accountId, context.nowMs);
  if (settings.enabled) await updateSettings(trx, accountId, { enabled: false, disabledReason: 'dispute' }, context.nowMs);
  const message = `A payment of $${formatCents(BigInt(dispute.amount))} (purchase ${purchase.id}) is disputed (${dispute.reason}): auto-refill is off and refunds are held until the dispute is closed.`;
  await alerts.recordAlert(trx, { accountId, kind: 'dispute_opened', message }, context.nowMs);
}

export async function applyDisputeClosed(trx: Transaction<Database>, event: Stripe.Event, context: StripeEventContext): Promise<void> {
  const dispute = readDispute(event);
  const row = await trx.selectFrom('disputes').select('account_id').where('id', '=', dispute.id).executeTakeFirst();
  if (!row || !(await closeDispute(trx, dispute.id, dispute.status, context.nowMs))) return;
  const message = `The dispute ${dispute.id} is closed (${dispute.status}): refunds may be approved again, and auto-refill turned back on by its owner.`;
  await alerts.recordAlert(trx, { accountId: row.account_id, kind: 'dispute_closed', message }, context.nowMs);
}

function readDispute(event: Stripe.Event): Stripe.Dispute {
  const dispute = (event.data as { object?: Partial<Stripe.Dispute> }).object;
  if (!dispute || dispute.object !== 'dispute' || typeof dispute.id !== 'string' || typeof dispute.status !== 'string' || !Number.isSafeInteger(dispute.amount)) {
    throw new UnusableEventError(`event ${event.id} does not carry a dispute with id, status and amount`);
  }
  return dispute as Stripe.Dispute;
}

async function purchaseOf(trx: Transaction<Database>, dispute: Stripe.Dispute) {
  const paymentIntentId = idOf(dispute.payment_intent);
  const byIntent = paymentIntentId ? await findPurchaseByPaymentIntent(trx, paymentIntentId) : null;
  if (byIntent) return byIntent;
  const chargeId = idOf(dispute.charge);
  if (!chargeId) return null;
  const row = await trx.selectFrom('purchases').selectAll().where('stripe_charge_id', '=', chargeId).executeTakeFirst();
  return row ? rowToPurchase(row) : null;
}
