// The alerts card: GET/PUT /console/alerts (webhook, low balance, summaries, deployment cost)
// and GET /console/alerts/history. It stays hidden on a server without those routes.
import { callConsole } from './api.mjs';
import { byId, definitions, el, show, showMessage, table } from './dom.mjs';
import { formatTime, plainCredits } from './format.mjs';

export async function loadAlerts() {
  try {
    showAlerts(await callConsole('/alerts'));
    byId('alerts-card').hidden = false;
  } catch (failure) {
    byId('alerts-card').hidden = failure.routeMissing;
    if (!failure.routeMissing) showMessage('alerts-result', failure.message);
    return;
  }
  await loadHistory();
}

/** The PUT body from the form: an empty amount or URL turns that alert off (null). */
export async function saveAlerts() {
  const orNull = (id) => byId(id).value.trim() || null;
  const body = {
    webhook_url: orNull('alerts-webhook'),
    low_balance_threshold: orNull('alerts-low-balance'),
    daily_summary: byId('alerts-daily').checked,
    weekly_summary: byId('alerts-weekly').checked,
    deployment_cost: orNull('alerts-deployment-cost'),
  };
  showAlerts(await callConsole('/alerts', { method: 'PUT', body }));
  return 'Saved.';
}

function showAlerts(alerts) {
  const amount = (value) => (value === null || value === undefined ? '' : plainCredits(value));
  byId('alerts-webhook').value = alerts.webhook_url ?? '';
  byId('alerts-low-balance').value = amount(alerts.low_balance_threshold);
  byId('alerts-deployment-cost').value = amount(alerts.deployment_cost);
  byId('alerts-daily').checked = Boolean(alerts.daily_summary);
  byId('alerts-weekly').checked = Boolean(alerts.weekly_summary);
  show('alerts-state', ...definitions([
    ['Low-balance alert', alerts.low_balance_state ?? '—'],
    ['Webhook signing secret', alerts.webhook_secret ?? '—'],
  ]));
}

async function loadHistory() {
  try {
    const history = await callConsole('/alerts/history?limit=20');
    show('alerts-history', table(
      [{ label: 'Time', value: (row) => formatTime(row.created_at) }, { label: 'Kind', value: (row) => row.kind }, { label: 'Message', value: (row) => row.message },
        { label: 'Delivery', value: (row) => row.deliveries.map((delivery) => `${delivery.channel} ${delivery.status}`).join(', ') || '—' }],
      history.data,
      'No alerts yet.',
    ));
  } catch (failure) {
    show('alerts-history', el('p', { class: failure.routeMissing ? 'empty' : 'error' }, failure.routeMissing ? 'No alert history on this server.' : failure.message));
  }
}
