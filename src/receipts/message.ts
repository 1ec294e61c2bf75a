// The receipt email of a purchase, as plain text: what was paid and credited, for which
// account, and the Stripe ids that find the payment in Stripe's dashboard.
import { formatCents, formatMicros } from '../shared/money';
import type { MailMessage } from '../mail/mailer';

export interface ReceiptFacts {
  purchaseId: string;
  accountId: string;
  accountName: string;
  email: string | null;
  /** Paid, in the currency's smallest unit: cents, since inferport charges US dollars only. */
  amountMinor: bigint;
  currency: string;
  creditsMicros: bigint;
  stripePaymentIntentId: string;
  stripeCheckoutSessionId: string | null;
  stripeChargeId: string | null;
  createdAtMs: number;
}

export function receiptMessage(facts: ReceiptFacts, to: string, domain: string): MailMessage {
  const credits = formatMicros(facts.creditsMicros);
  const paid = `${formatCents(facts.amountMinor)} ${facts.currency.toUpperCase()}`;
  const lines: [string, string | null][] = [
    ['Credits', credits],
    ['Amount paid', paid],
    // An admin typed the name; a line break in it must not forge lines of the receipt.
    ['Account', `${facts.accountName.replace(/[\r\n\t]+/g, ' ')} (${facts.accountId})`],
    ['Purchase', facts.purchaseId],
    ['Date', new Date(facts.createdAtMs).toISOString()],
    ['Stripe payment intent', facts.stripePaymentIntentId],
    ['Stripe checkout session', facts.stripeCheckoutSessionId],
    ['Stripe charge', facts.stripeChargeId],
  ];
  const width = Math.max(...lines.map(([label]) => label.length)) + 2;
  const table = lines.filter(([, value]) => value !== null).map(([label, value]) => `${`${label}:`.padEnd(width)}${value}`);
  const text = ['Thank you for your purchase. This is your receipt.', '', ...table, '', 'Keep this message for your records.', ''].join('\n');
  return { to, subject: `Receipt: ${credits} credits for ${paid}`, text, messageId: `<receipt.${facts.purchaseId}@${domain}>` };
}
