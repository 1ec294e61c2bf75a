// A page's rows (ledger-page.ts) as ledger lines: each with its change of the wallet's balance,
// split into the paid and the promo credit it moved, so a statement can tell credit sold from
// credit given away. Transactions read it from their grant-book entries, request lines from the
// grants their cost was drawn from (the auditor holds those equal to the batch's entries).
import type { Kysely } from 'kysely';
import type { Database, GrantKind } from '../db/schema';
import { assert } from '../shared/assert';

export interface LedgerLine {
  /** The transaction's id, or for a request settled in a batch, its usage record's id. */
  transactionId: string;
  kind: string;
  amountMicros: bigint;
  /** Signed change of the wallet's balance: paidChangeMicros + promoChangeMicros. */
  balanceChangeMicros: bigint;
  paidChangeMicros: bigint;
  promoChangeMicros: bigint;
  holdId: string | null;
  memo: string | null;
  createdAtMs: number;
}

export interface LineRow {
  id: string;
  kind: string;
  amount_micros: bigint;
  hold_id: string | null;
  memo: string | null;
  created_at_ms: bigint;
  from_request: number;
  /** A request's draws, JSON [{grant_id, micros}]; '[]' for a transaction. */
  draws: string;
}

type Split = Record<GrantKind, bigint>;

export async function toLedgerLines(db: Kysely<Database>, lines: LineRow[]): Promise<LedgerLine[]> {
  if (lines.length === 0) return [];
  const isRequest = (row: LineRow) => Number(row.from_request) === 1;
  const transactionSplits = await entrySplits(db, lines.filter((row) => !isRequest(row)).map((row) => row.id));
  const requestDraws = new Map(lines.filter(isRequest).map((row) => [row.id, JSON.parse(row.draws) as { grant_id: string; micros: string }[]]));
  const kinds = await grantKinds(db, [...new Set([...requestDraws.values()].flat().map((draw) => draw.grant_id))]);
  return lines.map((row) => {
    const split: Split = { paid: 0n, promo: 0n };
    if (isRequest(row)) {
      // A request's charge takes its cost from the grants it drew from.
      for (const draw of requestDraws.get(row.id)!) {
        const kind = kinds.get(draw.grant_id);
        assert(kind, `grant ${draw.grant_id} a request drew from exists`);
        split[kind] -= BigInt(draw.micros);
      }
    } else {
      Object.assign(split, transactionSplits.get(row.id));
    }
    return {
      transactionId: row.id,
      kind: row.kind,
      amountMicros: BigInt(row.amount_micros),
      balanceChangeMicros: isRequest(row) ? -BigInt(row.amount_micros) : split.paid + split.promo,
      paidChangeMicros: split.paid,
      promoChangeMicros: split.promo,
      holdId: row.hold_id,
      memo: row.memo,
      createdAtMs: Number(row.created_at_ms),
    };
  });
}

/** Per transaction, the sums of its grant-book entries by the kind of their grant. */
async function entrySplits(db: Kysely<Database>, transactionIds: string[]): Promise<Map<string, Split>> {
  const splits = new Map<string, Split>();
  if (transactionIds.length === 0) return splits;
  const sums = await db
    .selectFrom('ledger_entries')
    .innerJoin('grants', 'grants.id', 'ledger_entries.ledger_account')
    .select(['ledger_entries.transaction_id', 'grants.kind', (eb) => eb.fn.sum<bigint>('ledger_entries.amount_micros').as('change')])
    .where('ledger_entries.transaction_id', 'in', transactionIds)
    .where('ledger_entries.book', '=', 'grant')
    .groupBy(['ledger_entries.transaction_id', 'grants.kind'])
    .execute();
  for (const row of sums) {
    const split = splits.get(row.transaction_id) ?? { paid: 0n, promo: 0n };
    split[row.kind] += BigInt(row.change);
    splits.set(row.transaction_id, split);
  }
  return splits;
}

async function grantKinds(db: Kysely<Database>, grantIds: string[]): Promise<Map<string, GrantKind>> {
  if (grantIds.length === 0) return new Map();
  const rows = await db.selectFrom('grants').select(['id', 'kind']).where('id', 'in', grantIds).execute();
  return new Map(rows.map((row) => [row.id, row.kind]));
}
