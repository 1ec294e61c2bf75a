// Unit tests of the one charge definition (src/ledger/charge-rows.ts) and of how a charge picks
// its grants (chooseDraws): pure functions, no database.
import { describe, expect, test } from 'bun:test';
import { chooseDraws } from '../../src/ledger/allocate';
import { buildChargeRows, type Charge, type ChargeRows, type LeaseUpdate } from '../../src/ledger/charge-rows';
import type { Grant } from '../../src/ledger/model';
import type { UsageRecord } from '../../src/usage/service';

const NOW = 1_700_000_000_000;

function record(id: string, holdId: string | null): UsageRecord {
  return {
    id, requestId: `req-${id}`, keyId: 'key', accountId: 'acct', billing: holdId ? 'credits' : 'plan', endpoint: 'chat', model: 'm', upstream: 'u',
    statusCode: 200, outcome: 'ok', promptTokens: 3, completionTokens: 4, usageEstimated: false, costMicros: 999n, holdId, latencyMs: 5, ttftMs: null, createdAtMs: NOW - 10,
  };
}

function charge(holdId: string, overrides: Partial<Charge>): Charge {
  return {
    accountId: 'acct', holdId, outcome: 'posted', reservedMicros: 500n, reservedAtMs: NOW - 100, askedMicros: 0n, draws: [],
    source: { kind: 'lease', leaseId: 'lease-1' }, idempotencyKey: `charge:use-${holdId}`, memo: 'chat m', record: record(`use-${holdId}`, holdId), ...overrides,
  };
}

function lease(drawnMicros: bigint): LeaseUpdate {
  return { leaseId: 'lease-1', accountId: 'acct', drawnMicros, allocations: [{ grantId: 'g2', micros: 10n }], expiresAtMs: NOW + 60_000 };
}

function entrySums(rows: ChargeRows): Map<string, bigint> {
  const sums = new Map<string, bigint>();
  for (const entry of rows.entries) sums.set(entry.transaction_id, (sums.get(entry.transaction_id) ?? 0n) + entry.amount_micros);
  return sums;
}

describe('buildChargeRows', () => {
  const batch = [
    charge('h1', { askedMicros: 300n, draws: [{ grantId: 'g1', micros: 200n }, { grantId: 'g2', micros: 100n }] }),
    charge('h2', { askedMicros: 50n, draws: [{ grantId: 'g2', micros: 20n }, { grantId: 'g2', micros: 30n }] }),
    charge('h3', { outcome: 'voided', askedMicros: 0n }),
    charge('h4', { askedMicros: 0n }),
    { ...charge('unused', {}), holdId: null, outcome: 'record' as const, source: { kind: 'free' as const }, record: record('use-plan', null) },
  ];
  const rows = buildChargeRows(batch, [lease(350n)], NOW);

  test("a wallet's batch is one transaction summing to zero, its grant entries the sum of its requests' draws", () => {
    expect(rows.transactions.map((row) => [row.kind, row.hold_id, row.amount_micros, row.request_count, row.fingerprint])).toEqual([['charge', null, 350n, 3n, 'batch|3|350']]);
    for (const sum of entrySums(rows).values()) expect(sum).toBe(0n);
    // Draws of one grant, across requests and within one, are merged into one entry.
    expect(rows.entries.map((entry) => [entry.transaction_id, entry.ledger_account, entry.amount_micros])).toEqual([
      [rows.transactions[0]!.id, 'g1', -200n],
      [rows.transactions[0]!.id, 'g2', -150n],
      [rows.transactions[0]!.id, 'revenue', 350n],
    ]);
    const twoWallets = buildChargeRows([charge('h1', { askedMicros: 5n, draws: [{ grantId: 'g1', micros: 5n }], source: { kind: 'free' } }), { ...charge('h2', { askedMicros: 7n, draws: [{ grantId: 'g9', micros: 7n }], source: { kind: 'free' } }), accountId: 'acct2' }], [], NOW);
    expect(twoWallets.transactions.map((row) => [row.account_id, row.amount_micros, row.request_count])).toEqual([['acct', 5n, 1n], ['acct2', 7n, 1n]]);
  });

  test('each request is one row carrying its charge (no hold rows); a voided one and a plan record move no money', () => {
    const txn = rows.transactions[0]!.id;
    expect(rows.usage.map((usage) => [usage.id, usage.cost_micros, usage.hold_id, usage.charge_status, usage.reserved_micros, usage.draws, usage.transaction_id])).toEqual([
      ['use-h1', 300n, 'h1', 'posted', 500n, '[{"grant_id":"g1","micros":"200"},{"grant_id":"g2","micros":"100"}]', txn],
      ['use-h2', 50n, 'h2', 'posted', 500n, '[{"grant_id":"g2","micros":"50"}]', txn],
      ['use-h3', 0n, 'h3', 'voided', 500n, '[]', null],
      ['use-h4', 0n, 'h4', 'posted', 500n, '[]', txn],
      ['use-plan', 0n, null, null, 0n, '[]', null],
    ]);
    expect(rows.holdResolutions).toEqual([]);
    expect('holds' in rows).toBe(false);
  });

  test('a lease charge spends and un-reserves its grants, and the wallet loses exactly the charges', () => {
    expect(rows.grants).toEqual([
      { id: 'g1', spent_micros: 200n, released_micros: 200n },
      { id: 'g2', spent_micros: 150n, released_micros: 150n },
    ]);
    expect(rows.wallets).toEqual([{ account_id: 'acct', spent_micros: 350n, released_micros: 0n, updated_at_ms: BigInt(NOW) }]);
    expect(rows.leases).toEqual([{ id: 'lease-1', drawn_micros: 350n, allocations: '[{"grant_id":"g2","micros":"10"}]', expires_at_ms: BigInt(NOW + 60_000), updated_at_ms: BigInt(NOW) }]);
  });

  test('free credit is spent without touching reservations; a short draw is charged as drawn', () => {
    const free = buildChargeRows([charge('h1', { askedMicros: 300n, draws: [{ grantId: 'g1', micros: 120n }], source: { kind: 'free' } })], [], NOW);
    expect(free.grants).toEqual([{ id: 'g1', spent_micros: 120n, released_micros: 0n }]);
    expect(free.transactions[0]).toMatchObject({ amount_micros: 120n, fingerprint: 'batch|1|120', request_count: 1n });
    expect(free.usage[0]).toMatchObject({ cost_micros: 120n, charge_status: 'posted', transaction_id: free.transactions[0]!.id });
    expect(free.leases).toEqual([]);
  });

  test('a standalone hold is resolved and released in full, on its grants and on the wallet', () => {
    const rows = buildChargeRows([charge('h1', { askedMicros: 70n, draws: [{ grantId: 'g1', micros: 70n }], source: { kind: 'hold', allocations: [{ grantId: 'g1', micros: 60n }, { grantId: 'g2', micros: 40n }] }, record: null })], [], NOW);
    expect(rows.transactions.map((row) => [row.hold_id, row.amount_micros, row.fingerprint, row.request_count])).toEqual([['h1', 70n, 'charge|h1|70', null]]);
    expect(rows.holdResolutions).toEqual([{ id: 'h1', status: 'posted', posted_micros: 70n, resolved_at_ms: BigInt(NOW) }]);
    expect(rows.grants).toEqual([
      { id: 'g1', spent_micros: 70n, released_micros: 60n },
      { id: 'g2', spent_micros: 0n, released_micros: 40n },
    ]);
    expect(rows.wallets).toEqual([{ account_id: 'acct', spent_micros: 70n, released_micros: 100n, updated_at_ms: BigInt(NOW) }]);
    expect(rows.usage).toEqual([]);
  });

  test('inconsistent input is refused before any row exists', () => {
    const drawn = [{ grantId: 'g1', micros: 300n }];
    expect(() => buildChargeRows([charge('h1', { askedMicros: 301n, draws: drawn })], [lease(300n)], NOW)).toThrow(/drawn in full from its lease/);
    expect(() => buildChargeRows([charge('h1', { askedMicros: 299n, draws: drawn, source: { kind: 'free' } })], [], NOW)).toThrow(/at most what it asks/);
    expect(() => buildChargeRows([charge('h1', { askedMicros: 300n, draws: drawn })], [lease(200n)], NOW)).toThrow(/gives up what its charges drew/);
    expect(() => buildChargeRows([charge('h1', { askedMicros: 300n, draws: drawn })], [], NOW)).toThrow(/is updated with its charges/);
    expect(() => buildChargeRows([charge('h1', { outcome: 'voided', draws: drawn })], [], NOW)).toThrow(/draws nothing/);
    expect(() => buildChargeRows([charge('h1', { askedMicros: 1n, draws: [{ grantId: 'g1', micros: 2n }, { grantId: 'g2', micros: -1n }] })], [lease(1n)], NOW)).toThrow(/never adds/);
  });
});

describe('chooseDraws', () => {
  const grant = (id: string, kind: 'paid' | 'promo', remaining: bigint, reserved: bigint, expiresAtMs: number | null): Grant => ({
    id, accountId: 'acct', kind, source: 'admin', amountMicros: remaining, remainingMicros: remaining, reservedMicros: reserved, expiresAtMs, createdAtMs: 1,
  });
  const grants = [grant('paid', 'paid', 1_000n, 0n, null), grant('promo', 'promo', 500n, 300n, NOW + 1), grant('old', 'promo', 400n, 100n, NOW - 1)];

  test('free credit in spending order, skipping reserved and expired credit', () => {
    expect(chooseDraws(grants, [], 700n, NOW)).toEqual({ draws: [{ grantId: 'promo', micros: 200n }, { grantId: 'paid', micros: 500n }], shortMicros: 0n });
  });

  test("a hold's own allocations first, even on an expired grant, then free credit; the rest is short", () => {
    const held = [{ grantId: 'old', micros: 100n }, { grantId: 'promo', micros: 300n }];
    expect(chooseDraws(grants, held, 350n, NOW)).toEqual({ draws: [{ grantId: 'old', micros: 100n }, { grantId: 'promo', micros: 250n }], shortMicros: 0n });
    // Over the hold: its allocations are freed, so promo's whole 500 then paid's 1000 are free.
    expect(chooseDraws(grants, held, 2_000n, NOW)).toEqual({ draws: [{ grantId: 'old', micros: 100n }, { grantId: 'promo', micros: 500n }, { grantId: 'paid', micros: 1_000n }], shortMicros: 400n });
    expect(grants[1]!.reservedMicros).toBe(300n); // the grants it was given are not changed
  });
});
