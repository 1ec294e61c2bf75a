// Creates the benchmark's customers through inferport's admin API: an account with a
// credit-billed key and a wallet large enough that no request of the run is refused for want of
// credit and, when a plan is named, a second account on that plan with a plan-billed key (its
// quotas are the config's business: the benchmark's plan is too large to refuse anything).
// Usage: bun setup.ts BASE_URL [PLAN]   (admin token in INFERPORT_ADMIN_TOKEN)
// Prints one JSON line: {"accountId": …, "key": …} and, with a plan, "planAccountId" and "planKey".
const WALLET_CREDITS = '1000000';

const [baseUrl, plan] = process.argv.slice(2);
const adminToken = process.env.INFERPORT_ADMIN_TOKEN;
if (!baseUrl || !adminToken) throw new Error('usage: INFERPORT_ADMIN_TOKEN=… bun setup.ts BASE_URL [PLAN]');

async function admin(path: string, body: object): Promise<Record<string, unknown>> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST ${path} answered ${response.status}: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

const account = await admin('/admin/accounts', { name: 'bench' });
const accountId = String(account.id);
const key = await admin(`/admin/accounts/${accountId}/keys`, { name: 'bench', billing: 'credits' });
await admin(`/admin/accounts/${accountId}/credits`, { amount: WALLET_CREDITS, kind: 'paid', note: 'benchmark wallet', idempotency_key: `bench:${accountId}` });
const created: Record<string, string> = { accountId, key: String(key.key) };
if (plan) {
  const planAccount = await admin('/admin/accounts', { name: 'bench-plan', plan });
  if (planAccount.plan !== plan) throw new Error(`the plan account was created with plan ${JSON.stringify(planAccount.plan)}, not "${plan}"`);
  const planKey = await admin(`/admin/accounts/${String(planAccount.id)}/keys`, { name: 'bench-plan', billing: 'plan' });
  created.planAccountId = String(planAccount.id);
  created.planKey = String(planKey.key);
}
console.log(JSON.stringify(created));

export {}; // a module: its top-level names are its own