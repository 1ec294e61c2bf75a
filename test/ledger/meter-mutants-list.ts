// Hand-made mutants of the settlement code that the meter's model test (meter-model.test.ts)
// must catch; meter-mutants.ts applies each to a copy of the tree and runs the test. Each is
// named by its intent, so that when the code moves (meter.ts split, one charge definition) the
// patch can be re-targeted at wherever that rule then lives: a `find` that no longer matches
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
    name: 'sqlite-grant-reservation-kept',
    intent: "the batch (SQLite statements) debits a grant's remaining but not its reservation",
    file: 'src/ledger/settlement.ts',
    find: "reserved_micros: eb('reserved_micros', '-', grant.micros)",
    replace: "reserved_micros: eb('reserved_micros', '-', 0n)",
    databases: ['sqlite'],
  },
  {
    name: 'sqlite-lease-not-drawn',
    intent: 'the batch (SQLite statements) does not shrink the lease by what it drew',
    file: 'src/ledger/settlement.ts',
    find: "amount_micros: eb('amount_micros', '-', lease.drawnMicros),",
    replace: "amount_micros: eb('amount_micros', '-', 0n),",
    databases: ['sqlite'],
  },
  {
    name: 'hold-posts-reservation',
    intent: 'the batch records the reservation as the posted amount of the hold',
    file: 'src/ledger/settlement.ts',
    find: "posted_micros: item.outcome === 'posted' ? item.chargeMicros : null,",
    replace: "posted_micros: item.outcome === 'posted' ? item.reservedMicros : null,",
    databases: both,
  },
  {
    name: 'usage-costs-reservation',
    intent: "the batch writes the reservation as the usage record's cost",
    file: 'src/ledger/settlement.ts',
    find: "costMicros: item.outcome === 'posted' ? item.chargeMicros : 0n",
    replace: "costMicros: item.outcome === 'posted' ? item.reservedMicros : 0n",
    databases: both,
  },
  {
    name: 'postgres-grant-reservation-kept',
    intent: "the batch (plpgsql function) debits a grant's remaining but not its reservation",
    file: 'sql/postgres/005_settlement_function.sql',
    find: 'reserved_micros = reserved_micros - d.micros',
    replace: 'reserved_micros = reserved_micros',
    databases: ['postgres'],
  },
  {
    name: 'postgres-lease-not-drawn',
    intent: 'the batch (plpgsql function) does not shrink the lease by what it drew',
    file: 'sql/postgres/005_settlement_function.sql',
    find: 'UPDATE leases SET amount_micros = amount_micros - d.drawn,',
    replace: 'UPDATE leases SET amount_micros = amount_micros,',
    databases: ['postgres'],
  },
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
    intent: 'closing or expiring a lease does not release its credit on the grants',
    file: 'src/ledger/leases.ts',
    find: 'grant.reservedMicros -= allocation.micros;',
    replace: 'grant.reservedMicros -= 0n;',
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
    name: 'fallback-usage-asked-cost',
    intent: "the one-by-one fallback writes the asked charge, not the one it could make, as the usage record's cost",
    file: 'src/ledger/settlement-fallback.ts',
    find: 'costMicros: chargedMicros',
    replace: 'costMicros: item.chargeMicros',
    databases: both,
  },
];
