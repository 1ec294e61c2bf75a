// An account with a credit-billed key and paid credit, made through the admin API of a gateway
// running as its own process (the tests that own their database have no in-process app).
import { ADMIN_TOKEN } from '../support/env';

export async function createCustomerOverHttp(baseUrl: string, credits: string): Promise<{ accountId: string; key: string }> {
  const admin = async (path: string, body: unknown) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (response.status !== 201 && response.status !== 200) throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as Record<string, string>;
  };
  const account = await admin('/admin/accounts', { name: 'Faults' });
  const key = await admin(`/admin/accounts/${account.id}/keys`, { billing: 'credits' });
  await admin(`/admin/accounts/${account.id}/credits`, { amount: credits, kind: 'paid' });
  return { accountId: account.id!, key: key.key! };
}
