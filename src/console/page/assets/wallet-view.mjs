// The balance card (GET /console/wallet, and the balance inside the usage report) and the
// live prices (GET /console/pricing).
import { callConsole } from './api.mjs';
import { definitions, el, show, table } from './dom.mjs';
import { formatCredits } from './format.mjs';

export async function loadWallet() {
  const wallet = await callConsole('/wallet');
  showWallet(wallet);
  return wallet;
}

/** A wallet as the console routes answer it (GET /console/wallet, a coupon redemption). */
export function showWallet(wallet) {
  showBalance({ total: wallet.balance, paid: wallet.paid, promo: wallet.promo, reserved: wallet.reserved, available: wallet.available });
}

/** `available` comes with the wallet only; the usage report's balance keeps the last one shown. */
export function showBalance(balance) {
  const available = balance.available ?? lastAvailable;
  lastAvailable = available;
  show('balance', ...definitions([
    ['Total', formatCredits(balance.total), true],
    ['Paid', formatCredits(balance.paid)],
    ['Promo', formatCredits(balance.promo)],
    ['Reserved', formatCredits(balance.reserved)],
    ...(available === null ? [] : [['Available', formatCredits(available)]]),
  ]));
}
let lastAvailable = null;

export async function loadPricing() {
  let pricing;
  try {
    pricing = await callConsole('/pricing');
  } catch (failure) {
    show('pricing', el('p', { class: failure.routeMissing ? 'empty' : 'error' }, failure.routeMissing ? 'This server publishes no prices (GET /console/pricing).' : failure.message));
    return;
  }
  const perMillion = (label, key) => ({ label, value: (row) => formatCredits(row[key]), number: true });
  show(
    'pricing',
    el('p', { class: 'note' }, pricing.billing === 'plan' ? 'This key is billed by its plan: requests are not charged per token.' : 'In credits: per million tokens, as this key is charged.'),
    table([{ label: 'Model', value: (row) => row.model }, perMillion('Input', 'input_per_million'), perMillion('Output', 'output_per_million'), perMillion('Per image', 'image')],
      [...pricing.models, { model: 'any other model', ...pricing.default }], 'No models.'),
    el('h3', {}, 'Dedicated deployments'),
    table([{ label: 'Instance type', value: (row) => row.name }, { label: 'Per hour', value: (row) => formatCredits(row.per_hour), number: true }], pricing.instance_types, 'None offered.'),
    el('h3', {}, 'Credit packs'),
    table([{ label: 'Price (USD)', value: (row) => row.amount_usd, number: true }, { label: 'Credits', value: (row) => formatCredits(row.credits), number: true }], pricing.packs.packs, 'None offered.'),
  );
}
