// The console page: signs in with an API key, then loads every card. A key the server refuses
// is forgotten and the sign-in form shows the server's message.
import { forgetKey, storedKey, storeKey } from './api.mjs';
import { byId, showMessage } from './dom.mjs';
import { loadAlerts, loadRefill, wireForms } from './settings-view.mjs';
import { loadUsage } from './usage-view.mjs';
import { loadPricing, loadWallet } from './wallet-view.mjs';

let days = 7;

async function signIn() {
  let wallet;
  try {
    wallet = await loadWallet();
  } catch (failure) {
    signOut();
    showMessage('sign-in-error', failure.message);
    return;
  }
  byId('account-id').textContent = `Account ${wallet.account_id}`;
  byId('sign-in').hidden = true;
  byId('session').hidden = false;
  byId('dashboard').hidden = false;
  await Promise.all([loadUsage(days), loadPricing(), loadRefill(), loadAlerts()]);
}

function signOut() {
  forgetKey();
  byId('dashboard').hidden = true;
  byId('session').hidden = true;
  byId('sign-in').hidden = false;
  byId('api-key').value = '';
}

function chooseDays(button) {
  days = Number(button.dataset.days);
  for (const other of document.querySelectorAll('.switcher button')) other.setAttribute('aria-pressed', String(other === button));
  return loadUsage(days);
}

document.addEventListener('DOMContentLoaded', () => {
  byId('sign-in-form').addEventListener('submit', (event) => {
    event.preventDefault();
    showMessage('sign-in-error', '');
    const key = byId('api-key').value.trim();
    if (!key) return;
    storeKey(key);
    void signIn();
  });
  byId('sign-out').addEventListener('click', signOut);
  for (const button of document.querySelectorAll('.switcher button')) button.addEventListener('click', () => void chooseDays(button));
  wireForms();
  if (storedKey()) void signIn();
});
