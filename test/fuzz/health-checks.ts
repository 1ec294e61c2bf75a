// After a route's cases: the process still answers and reaches its database, the funded
// customer still gets its wallet with nothing reserved, and the auditor finds the books balanced.
import { expect } from 'bun:test';
import * as ledger from '../../src/ledger/service';
import type { FuzzFixture } from './fixture';

export async function expectHealthy(fixture: FuzzFixture): Promise<void> {
  const { db, meter } = fixture.testApp.context;
  await meter.close();
  const healthz = await fetch(`${fixture.baseUrl}/healthz`);
  expect({ status: healthz.status, body: await healthz.json() }).toEqual({ status: 200, body: { status: 'ok' } });
  const readyz = await fetch(`${fixture.baseUrl}/readyz`);
  expect(readyz.status).toBe(200);

  const wallet = await fetch(`${fixture.baseUrl}/console/wallet`, { headers: { authorization: `Bearer ${fixture.targets.apiKey}` } });
  expect(wallet.status).toBe(200);
  const figures = (await wallet.json()) as { balance: string; available: string; reserved: string };
  expect({ available: figures.available, reserved: figures.reserved }).toEqual({ available: figures.balance, reserved: '0.000000' });

  const [pendingHolds, openLeases] = await Promise.all([
    db.selectFrom('holds').select('id').where('status', '=', 'pending').execute(),
    db.selectFrom('leases').select('id').where('status', '=', 'open').execute(),
  ]);
  expect({ pendingHolds: pendingHolds.length, openLeases: openLeases.length }).toEqual({ pendingHolds: 0, openLeases: 0 });
  expect((await ledger.auditLedger(db)).problems).toEqual([]);
}
