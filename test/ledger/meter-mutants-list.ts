// Hand-made mutants of the settlement code that the meter's model test (meter-model.test.ts)
// must catch; meter-mutants.ts applies each to a copy of the tree and runs the test. Each is
// named by its intent and targets the one place that rule lives now (the row builder
// charge-rows.ts, charge-transactions.ts and charge-totals.ts, each dialect's applier (the
// Postgres one is 009_request_charges.sql's function), the meter's files, leases,
// allocation, the fallback): a `find` that no longer matches
// exactly once makes the runner say so instead of passing.
export interface Mutant {
  name: string;
  /** What the broken code does, in the ledger's terms. */
  intent: string;
  file: string;
  find: string;
  replace: string;
  /** The databases whose code path the mutant breaks. */
  databases: ('postgres' | 'sqlite')[];
}

const both: Mutant['databases'] = ['postgres', 'sqlite'];

export const MUTANTS: Mutant[] = [
  // The meter (meter.ts, meter-slots.ts, meter-upkeep.ts, meter-writer.ts).
  {
    name: 'settle-keeps-unused-rest',
    intent: 'a settle below the reservation does not give the unused rest back to the lease',
    file: 'src/ledger/meter.ts',
    find: 'slot.availableMicros += reservation.amountMicros - charged;',
    replace: 'slot.availableMicros += 0n;',
    databases: both,
  },
  {
    name: 'settle-excess-unchecked',
    intent: 'a settle above the reservation takes the whole excess, whether the lease has it or not',
    file: 'src/ledger/meter.ts',
    find: 'const extra = min(charged - reservation.amountMicros, slot.dead ? 0n : slot.availableMicros);',
    replace: 'const extra = charged - reservation.amountMicros;',
    databases: both,
  },
  {
    name: 'settle-charges-reservation',
    intent: 'a settle charges the reservation instead of the actual cost',
    file: 'src/ledger/meter.ts',
    find: 'let charged = chargeMicros;',
    replace: 'let charged = chargeMicros > reservation.amountMicros ? chargeMicros : reservation.amountMicros;',
    databases: both,
  },
  {
    name: 'release-keeps-reservation',
    intent: 'a release does not give the reservation back to the lease',
    file: 'src/ledger/meter.ts',
    find: 'slot.inFlight -= 1;\n    slot.availableMicros += reservation.amountMicros;',
    replace: 'slot.inFlight -= 1;',
    databases: both,
  },
  {
    name: 'growth-ignores-waiters',
    intent: 'a lease growth leases only what its own reservation lacks, not what the reservations waiting on it need',
    file: 'src/ledger/meter-slots.ts',
    find: 'wantMicros: needMicros + waitingMicros,',
    replace: 'wantMicros: needMicros,',
    databases: both,
  },
  {
    name: 'reserve-never-asks-back',
    intent: "a reserve short of free credit never asks other processes for their leases' unused credit (the false 402)",
    file: 'src/ledger/meter-slots.ts',
    find: 'asked = await askLeasesBack(',
    replace: 'asked = [] as string[]; void (',
    databases: both,
  },
  {
    name: 'tight-lease-kept-when-idle',
    intent: 'a tight lease is not given back when its last request settles',
    file: 'src/ledger/meter-upkeep.ts',
    find: 'if (slot.tight && isIdle(slot) && !slot.dead && !this.table.isGrowing(slot.accountId)) void this.closeSlot(slot);',
    replace: 'if (slot.tight && isIdle(slot) && slot.dead) void this.closeSlot(slot);',
    databases: both,
  },
  {
    name: 'writer-allocations-not-drawn',
    intent: "the writer does not draw a batch's charges from the slot's copy of the lease's allocations",
    file: 'src/ledger/meter-writer.ts',
    find: 'slot.allocations = rest;',
    replace: 'void rest;',
    databases: both,
  },
  // The row builder (charge-rows.ts, charge-transactions.ts, charge-totals.ts): both databases
  // apply what it builds. A request from a lease is one usage row carrying its charge (no hold
  // row); a batch is one transaction per wallet that those rows name.
  {
    name: 'rows-request-reserved-is-charge',
    intent: "a request row records its charge as its reservation (the reservation the caller made is lost)",
    file: 'src/ledger/charge-rows.ts',
    find: 'reserved_micros: charge.reservedMicros,',
    replace: 'reserved_micros: chargedMicros,',
    databases: both,
  },
  {
    name: 'rows-voided-request-joins-batch',
    intent: "a released request's row names the batch transaction and is counted in its request_count",
    file: 'src/ledger/charge-rows.ts',
    find: "if (status === 'posted') transactionId = joinBatch(batches, charge.accountId, draws).id;",
    replace: 'transactionId = joinBatch(batches, charge.accountId, draws).id;',
    databases: both,
  },
  {
    name: 'batch-counts-grants-not-requests',
    intent: "a batch transaction's request_count is the number of grants it drew from, not of its posted requests",
    file: 'src/ledger/charge-transactions.ts',
    find: 'request_count: BigInt(batch.count),',
    replace: 'request_count: BigInt(batch.draws.size),',
    databases: both,
  },
  {
    name: 'batch-amount-not-sum',
    intent: "a batch transaction's amount is its last grant's draws, not the sum of its requests",
    file: 'src/ledger/charge-transactions.ts',
    find: '    amount_micros: amountMicros,\n    hold_id: null,',
    replace: '    amount_micros: draws[draws.length - 1]?.micros ?? 0n,\n    hold_id: null,',
    databases: both,
  },
  {
    name: 'rows-usage-costs-reservation',
    intent: "a request row's cost is its reservation, not its charge",
    file: 'src/ledger/charge-rows.ts',
    find: 'costMicros: chargedMicros }',
    replace: "costMicros: charge.outcome === 'posted' ? charge.reservedMicros : 0n }",
    databases: both,
  },
  {
    name: 'totals-lease-draw-keeps-reservation',
    intent: "a charge drawn from a lease spends the grant's credit but keeps the lease's reservation on it",
    file: 'src/ledger/charge-totals.ts',
    find: "add(totals.grants, draw.grantId, draw.micros, source.kind === 'lease' ? draw.micros : 0n);",
    replace: 'add(totals.grants, draw.grantId, draw.micros, 0n);',
    databases: both,
  },
  {
    name: 'totals-wallet-not-debited',
    intent: "a charge is drawn from the grants but not from the wallet's cached balance",
    file: 'src/ledger/charge-totals.ts',
    find: 'add(totals.wallets, accountId, chargedMicros, releasedMicros);',
    replace: 'add(totals.wallets, accountId, 0n, releasedMicros);',
    databases: both,
  },
  // The SQLite applier (settlement-sqlite.ts).
  {
    name: 'sqlite-grant-reservation-kept',
    intent: "the SQLite applier debits a grant's remaining but not its reservation",
    file: 'src/ledger/settlement-sqlite.ts',
    find: "reserved_micros: eb('reserved_micros', '-', grant.released_micros)",
    replace: "reserved_micros: eb('reserved_micros', '-', 0n)",
    databases: ['sqlite'],
  },
  {
    name: 'sqlite-lease-not-drawn',
    intent: 'the SQLite applier does not shrink the lease by what it drew',
    file: 'src/ledger/settlement-sqlite.ts',
    find: "amount_micros: eb('amount_micros', '-', lease.drawn_micros),",
    replace: "amount_micros: eb('amount_micros', '-', 0n),",
    databases: ['sqlite'],
  },
  // (Dropping the applier's "lease still open" guard is not in this list: a closed lease has
  // released its reservation on the grants, so drawing on it again trips the grants' CHECK
  // (reserved_micros >= 0) and the batch falls back all the same; 400 runs never told it apart.)
  {
    name: 'sqlite-lease-allocations-kept',
    intent: "the SQLite applier keeps the lease's allocations as they were before the batch drew from them",
    file: 'src/ledger/settlement-sqlite.ts',
    find: 'allocations: lease.allocations,',
    replace: "allocations: eb.ref('allocations'),",
    databases: ['sqlite'],
  },
  // The plpgsql applier (009_request_charges.sql replaces 007's function).
  {
    name: 'postgres-grant-reservation-kept',
    intent: "the plpgsql applier debits a grant's remaining but not its reservation",
    file: 'sql/postgres/009_request_charges.sql',
    find: 'UPDATE grants SET remaining_micros = remaining_micros - w.spent_micros, reserved_micros = reserved_micros - w.released_micros',
    replace: 'UPDATE grants SET remaining_micros = remaining_micros - w.spent_micros, reserved_micros = reserved_micros',
    databases: ['postgres'],
  },
  {
    name: 'postgres-lease-not-drawn',
    intent: 'the plpgsql applier does not shrink the lease by what it drew',
    file: 'sql/postgres/009_request_charges.sql',
    find: 'UPDATE leases SET amount_micros = amount_micros - w.drawn_micros,',
    replace: 'UPDATE leases SET amount_micros = amount_micros,',
    databases: ['postgres'],
  },
  {
    name: 'postgres-lease-allocations-kept',
    intent: "the plpgsql applier keeps the lease's allocations as they were before the batch drew from them",
    file: 'sql/postgres/009_request_charges.sql',
    find: 'allocations = w.allocations, expires_at_ms',
    replace: 'allocations = leases.allocations, expires_at_ms',
    databases: ['postgres'],
  },
  {
    name: 'postgres-wallet-not-debited',
    intent: "the plpgsql applier draws a batch from the grants but not from the wallet's cached balance",
    file: 'sql/postgres/009_request_charges.sql',
    find: 'UPDATE wallets SET balance_micros = balance_micros - w.spent_micros,',
    replace: 'UPDATE wallets SET balance_micros = balance_micros,',
    databases: ['postgres'],
  },
  {
    name: 'postgres-request-row-unbatched',
    intent: "the plpgsql applier drops a request row's batch transaction",
    file: 'sql/postgres/009_request_charges.sql',
    find: '    charge_status, reserved_micros, draws, transaction_id\n  FROM',
    replace: '    charge_status, reserved_micros, draws, NULL\n  FROM',
    databases: ['postgres'],
  },
  // Leases (leases.ts) and allocation (allocate.ts).
  {
    name: 'grown-lease-forgets-allocations',
    intent: 'a grown lease keeps only the allocations of its growth, forgetting what it held',
    file: 'src/ledger/leases.ts',
    find: 'const merged = mergeAllocations(parseAllocations(existing.allocations), allocations);',
    replace: 'const merged = allocations;',
    databases: both,
  },
  {
    name: 'closed-lease-keeps-grants',
    intent: 'closing, expiring or shrinking a lease does not release its credit on the grants',
    file: 'src/ledger/leases.ts',
    find: 'grant.reservedMicros -= allocation.micros;',
    replace: 'grant.reservedMicros -= 0n;',
    databases: both,
  },
  {
    name: 'lease-never-tight',
    intent: 'a lease always takes its headroom, even when too little would stay free for other processes',
    file: 'src/ledger/leases.ts',
    find: 'const tight = freeMicros - input.wantMicros < SPARE_LEFT_FOR_OTHERS * input.spareMicros;',
    replace: 'const tight = freeMicros < 0n;',
    databases: both,
  },
  {
    name: 'draw-leaves-allocation-whole',
    intent: 'drawing a charge from a lease leaves the drawn allocation at its full size',
    file: 'src/ledger/allocate.ts',
    find: 'if (allocation.micros > take) rest.push({ grantId: allocation.grantId, micros: allocation.micros - take });',
    replace: 'rest.push({ ...allocation });',
    databases: both,
  },
  {
    name: 'free-draw-takes-reserved-credit',
    intent: "the fallback's draws from free credit also take credit other leases reserve",
    file: 'src/ledger/allocate.ts',
    find: 'const free = held.remaining - held.reserved;',
    replace: 'const free = held.remaining;',
    databases: both,
  },
  // The fallback (settlement-fallback.ts).
  {
    name: 'fallback-answers-asked-charge',
    intent: 'the one-by-one fallback tells the caller the asked charge, not the one free credit could cover',
    file: 'src/ledger/settlement-fallback.ts',
    find: 'return draws.reduce((sum, draw) => sum + draw.micros, 0n);',
    replace: 'return item.chargeMicros;',
    databases: both,
  },
];
