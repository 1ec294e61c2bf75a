// The forms: coupon redemption (POST /console/coupons/redeem), auto-refill (GET/PUT
// /console/auto-refill) and alerts (alerts-view.mjs, on servers that have them).
// A refused request shows the message of the server's error body.
import { callConsole } from './api.mjs';
import { byId, showMessage } from './dom.mjs';
import { formatCredits, formatTime, plainCredits } from './format.mjs';
import { saveAlerts } from './alerts-view.mjs';
import { showWallet } from './wallet-view.mjs';

export function wireForms() {
  onSubmit('coupon-form', 'coupon-result', async () => {
    const answer = await callConsole('/coupons/redeem', { method: 'POST', body: { code: byId('coupon-code').value.trim() } });
    showWallet(answer.wallet);
    byId('coupon-code').value = '';
    return `Redeemed: ${formatCredits(answer.amount)} promo credits added.`;
  });
  onSubmit('refill-form', 'refill-state', async () => {
    const body = { enabled: byId('refill-enabled').checked, threshold: byId('refill-threshold').value.trim(), amount: byId('refill-amount').value.trim() };
    return describeRefill(showRefill(await callConsole('/auto-refill', { method: 'PUT', body })));
  });
  byId('refill-card').addEventListener('click', async () => {
    try {
      const page = await callConsole('/auto-refill/card', { method: 'POST' });
      // Stripe's own page saves the card; it is the one place this console sends the browser.
      if (/^https:\/\//.test(page.url)) window.location.assign(page.url);
    } catch (failure) {
      showMessage('refill-state', failure.message);
    }
  });
  onSubmit('alerts-form', 'alerts-result', saveAlerts);
}

export async function loadRefill() {
  try {
    showMessage('refill-state', describeRefill(showRefill(await callConsole('/auto-refill'))), 'note');
  } catch (failure) {
    showMessage('refill-state', failure.message);
  }
}

function onSubmit(formId, resultId, action) {
  byId(formId).addEventListener('submit', async (event) => {
    event.preventDefault();
    showMessage(resultId, '');
    try {
      showMessage(resultId, await action(), 'ok');
    } catch (failure) {
      showMessage(resultId, failure.message);
    }
  });
}

function showRefill(refill) {
  byId('refill-enabled').checked = refill.enabled;
  byId('refill-threshold').value = plainCredits(refill.threshold);
  byId('refill-amount').value = plainCredits(refill.amount);
  return refill;
}

function describeRefill(refill) {
  const parts = [`State: ${refill.state.replace('_', ' ')}`, refill.payment_method ? 'a card is saved' : 'no card saved'];
  if (refill.retry_after) parts.push(`next try after ${formatTime(refill.retry_after)}`);
  if (refill.disabled_reason) parts.push(`turned off (${refill.disabled_reason.replaceAll('_', ' ')})`);
  if (refill.last_attempt) parts.push(`last refill ${refill.last_attempt.status}, ${formatCredits(refill.last_attempt.amount)} credits`);
  return `${parts.join('; ')}.`;
}
