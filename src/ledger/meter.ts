// The gateway's fast path to the ledger. Each process leases a slice of a wallet's credit
// (leases.ts) and hands out reservations from it in memory (meter-slots.ts): no I/O while the
// lease lasts, and no overspend, since the lease itself is a durable reservation that other
// processes respect. Settlements are written in batches by one serialized writer
// (meter-writer.ts), and leases are tidied and shrunk on demand (meter-upkeep.ts).
import type { DbHandle } from '../db';
import type { UsageRecord } from '../usage/service';
import { SlotTable, type Slot, type SlotOptions } from './meter-slots';
import { LeaseUpkeep } from './meter-upkeep';
import { SettlementWriter } from './meter-writer';
import { Serial } from './serial';
import type { SettlementItem } from './settlement';

export interface MeterOptions extends SlotOptions {
  /** After charges commit: the accounts charged (see WriterHooks.charged). */
  onCharged?: (accountIds: string[]) => void;
  /** After a settlement batch commits: its size and how long its commit took (see WriterHooks.batch). */
  onBatch?: (size: number, ms: number) => void;
}

export interface Reservation {
  holdId: string;
  accountId: string;
  amountMicros: bigint;
  reservedAtMs: number;
  slot: Slot;
}

export class CreditMeter {
  private readonly table: SlotTable;
  private readonly upkeep: LeaseUpkeep;
  private readonly writer: SettlementWriter;

  constructor(handle: DbHandle, options: MeterOptions) {
    const serial = new Serial();
    this.table = new SlotTable(handle, serial, options);
    this.upkeep = new LeaseUpkeep(handle, serial, this.table);
    this.writer = new SettlementWriter(handle, serial, {
      leaseTtlMs: options.leaseTtlMs,
      now: options.now,
      charged: options.onCharged,
      batch: options.onBatch,
      settled: (slot) => this.upkeep.settled(slot),
      forget: (slot) => {
        if (this.table.slots.get(slot.accountId) === slot) this.table.slots.delete(slot.accountId);
      },
    });
  }

  /** Reserves `amountMicros` for a request; 402 insufficient_credits when the wallet cannot cover it. */
  async reserve(accountId: string, amountMicros: bigint, holdId: string): Promise<Reservation> {
    const slot = await this.table.take(accountId, amountMicros);
    return { holdId, accountId, amountMicros, reservedAtMs: slot.lastUsedMs, slot };
  }

  /** Charges a reservation (the excess over it from the lease, if the lease has it) and waits for the commit. */
  settle(reservation: Reservation, chargeMicros: bigint, record: UsageRecord, memo: string): Promise<bigint> {
    const slot = reservation.slot;
    slot.inFlight -= 1;
    let charged = chargeMicros;
    if (charged <= reservation.amountMicros) {
      slot.availableMicros += reservation.amountMicros - charged;
    } else {
      const extra = min(charged - reservation.amountMicros, slot.dead ? 0n : slot.availableMicros);
      slot.availableMicros -= extra;
      charged = reservation.amountMicros + extra;
    }
    return this.writer.write(slot, { ...itemOf(reservation, record, memo), outcome: 'posted', chargeMicros: charged });
  }

  /** Gives a reservation back uncharged (upstream failure) and records the request. */
  async release(reservation: Reservation, record: UsageRecord, memo: string): Promise<void> {
    const slot = reservation.slot;
    slot.inFlight -= 1;
    slot.availableMicros += reservation.amountMicros;
    await this.writer.write(slot, { ...itemOf(reservation, record, memo), outcome: 'voided', chargeMicros: 0n });
  }

  /** Writes a usage record that moves no money (plan-billed requests), in the next batch. */
  async record(record: UsageRecord): Promise<void> {
    const item: SettlementItem = { holdId: null, accountId: record.accountId, reservedMicros: 0n, reservedAtMs: record.createdAtMs, outcome: 'record', chargeMicros: 0n, draws: [], leaseId: null, memo: '', record };
    await this.writer.write(null, item);
  }

  /**
   * Reservations of this account that are neither settled nor released in this process. A
   * reservation that is never settled keeps its lease renewed for ever, so this must drop back
   * to 0 once the account's requests are over (the gateway's exception-safety tests check it).
   */
  inFlightOf(accountId: string): number {
    return this.table.slots.get(accountId)?.inFlight ?? 0;
  }

  /** Reservations neither settled nor released in this process, over every account (a /metrics gauge). */
  get openReservations(): number {
    let open = 0;
    for (const slot of this.table.slots.values()) open += slot.inFlight;
    return open;
  }

  /** Settles what is queued and gives every lease back (graceful shutdown). */
  async close(): Promise<void> {
    this.upkeep.stop();
    await this.writer.drain();
    await this.upkeep.closeAll();
  }
}

function itemOf(reservation: Reservation, record: UsageRecord, memo: string): Omit<SettlementItem, 'outcome' | 'chargeMicros'> {
  return {
    holdId: reservation.holdId,
    accountId: reservation.accountId,
    reservedMicros: reservation.amountMicros,
    reservedAtMs: reservation.reservedAtMs,
    draws: [],
    leaseId: reservation.slot.leaseId,
    memo,
    record: { ...record, holdId: reservation.holdId },
  };
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
