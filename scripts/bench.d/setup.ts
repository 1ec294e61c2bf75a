// Creates the benchmark's customer through inferport's admin API: an account, a credit-billed
// key and a wallet large enough that no request of the run is refused for want of credit.
// Usage: bun setup.ts BASE_URL   (admin token in INFERPORT_ADMIN_TOKEN)
// Prints one JSON line: {"accountId": …, "key": …}.
const WALLET_CREDITS = '1000000';

const baseUrl = process.argv[2];
const adminToken = process.env.INFERPORT_ADMIN_TOKEN;
if (!baseUrl || !adminToken) throw new Error('usage: INFERPORT_ADMIN_TOKEN=… bun setup.ts BASE_URL');

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
console.log(JSON.stringify({ accountId, key: String(key.key) }));

export {}; // a module: its top-level names are its own
