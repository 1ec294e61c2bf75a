// Draws GET /console/usage?days=N (src/console/usage-model.ts): month, trend, the chart and the
// cost tables. The balance card is drawn by wallet-view.mjs from the same figures.
import { callConsole } from './api.mjs';
import { drawSpendChart } from './chart.mjs';
import { definitions, show, showMessage, table } from './dom.mjs';
import { formatCount, formatCredits, formatPercent, formatTime } from './format.mjs';
import { showBalance } from './wallet-view.mjs';

const credits = (label, pick) => ({ label, value: (row) => formatCredits(pick(row)), number: true });
const count = (label, pick) => ({ label, value: (row) => formatCount(pick(row)), number: true });
const text = (label, pick) => ({ label, value: pick });

// Only the answer to the latest request is drawn: switching windows quickly cannot leave an
// older window's answer on the page.
let latestRequest = 0;

export async function loadUsage(days) {
  const request = ++latestRequest;
  showMessage('usage-error', '');
  let report;
  try {
    report = await callConsole(`/usage?days=${days}`);
  } catch (failure) {
    if (request !== latestRequest) return;
    show('chart');
    showMessage('usage-error', failure.routeMissing ? 'This server has no usage report (GET /console/usage).' : failure.message);
    return;
  }
  if (request !== latestRequest) return;
  showBalance(report.balance);
  showMonth(report);
  show('chart', drawSpendChart(report.daily));
  showTables(report);
}

function showMonth({ month, trend, days, from, to }) {
  show('month', ...definitions([
    ['Spent since ' + month.start, formatCredits(month.spent), true],
    ['Projected month total', formatCredits(month.projected)],
  ]));
  show('month-method', month.method);
  show('trend', ...definitions([
    [`Last ${days} days (${from} – ${to})`, formatCredits(trend.cost), true],
    [`The ${days} days before`, formatCredits(trend.previous_cost)],
    ['Change', formatPercent(trend.change_percent)],
  ]));
}

function showTables(report) {
  show('by-model', table(
    [text('Model', (row) => row.model), count('Requests', (row) => row.requests), count('Prompt tokens', (row) => row.prompt_tokens),
      count('Completion tokens', (row) => row.completion_tokens), credits('Cost', (row) => row.cost)],
    report.by_model,
    'No token-billed requests in this window.',
  ));
  show('by-deployment', table(
    [text('Deployment', (row) => row.id), text('Model', (row) => row.model), text('Instance', (row) => row.instance_type), text('Status', (row) => row.status),
      count('Hours', (row) => row.hours), count('Requests', (row) => row.requests), credits('Cost', (row) => row.cost)],
    report.by_deployment,
    'No deployment hours in this window.',
  ));
  show('underused', table(
    [text('Deployment', (row) => row.id), text('Model', (row) => row.model), count('Hours', (row) => row.hours), count('Requests', (row) => row.requests),
      { label: 'Requests / hour', value: (row) => String(row.requests_per_hour), number: true }, text('Suggestion', (row) => row.suggestion)],
    report.underused_deployments,
    'No underused deployments.',
  ));
  show('top-requests', table(
    [text('Time', (row) => formatTime(row.created_at)), text('Request', (row) => row.request_id), text('Model', (row) => row.model), text('Endpoint', (row) => row.endpoint),
      count('Prompt', (row) => row.prompt_tokens), count('Completion', (row) => row.completion_tokens), credits('Cost', (row) => row.cost)],
    report.top_requests,
    'No requests in this window.',
  ));
}
