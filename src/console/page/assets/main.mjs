// The console page: signs in with an API key, then loads every card. A key the server refuses
// is forgotten and the sign-in form shows the server's message.
import { forgetKey, storedKey, storeKey } from './api.mjs';
import { byId, showMessage } from './dom.mjs';
import { loadAlerts } from './alerts-view.mjs';
import { loadRefill, wireForms } from './settings-view.mjs';
import { loadUsage } from './usage-view.mjs';
import { loadPricing, loadWallet } from './wallet-view.mjs';

// The window the page opens on; the switcher asks for the others.
const FIRST_WINDOW_DAYS = 7;

async function signIn() {
  let wallet;
  try {
    wallet = await loadWallet();
  } catch (failure) {
    forgetKey();
    byId('api-key').value = '';
    showMessage('sign-in-error', failure.message);
    return;
  }
  byId('account-id').textContent = `Account ${wallet.account_id}`;
  byId('sign-in').hidden = true;
  byId('session').hidden = false;
  byId('dashboard').hidden = false;
  await Promise.all([loadUsage(FIRST_WINDOW_DAYS), loadPricing(), loadRefill(), loadAlerts()]);
}

/** Forgets the key and starts the page afresh, so nothing of the account stays on it. */
function signOut() {
  forgetKey();
  window.location.reload();
}

function chooseDays(button) {
  for (const other of document.querySelectorAll('.switcher button')) other.setAttribute('aria-pressed', String(other === button));
  return loadUsage(Number(button.dataset.days));
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
