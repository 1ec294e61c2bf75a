// Spend by member and by key over the last 7, 14 or 30 UTC days, with today's and this month's
// figures beside each cap: read from key_spend_daily (a row per key and day), never from the usage
// records. Every figure is what the ledger charged those keys' requests.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import * as keys from '../keys/service';
import type { ReportDays } from '../usage/report-window';
import { capsOf, NO_CAPS, type SpendCaps } from './caps';
import { listMembers, type Member } from './members';
import { capWindows } from './windows';

export interface SpendFigures {
  requests: bigint;
  spentMicros: bigint;
  todayMicros: bigint;
  monthMicros: bigint;
}

export interface KeySpend extends SpendFigures {
  key: keys.ApiKey;
  caps: SpendCaps;
}

export interface MemberSpend extends SpendFigures {
  member: Member;
  caps: SpendCaps;
  keyIds: string[];
}

export interface SpendReport {
  accountId: string;
  days: ReportDays;
  firstDay: bigint;
  today: bigint;
  totalMicros: bigint;
  byMember: MemberSpend[];
  byKey: KeySpend[];
}

export async function buildSpendReport(db: Kysely<Database>, accountId: string, days: ReportDays, nowMs: number): Promise<SpendReport> {
  const { today, monthFirst } = capWindows(nowMs);
  const firstDay = today - BigInt(days) + 1n;
  const readFrom = firstDay < monthFirst ? firstDay : monthFirst;
  const [accountKeys, members, caps, rows] = await Promise.all([
    keys.listKeys(db, accountId),
    listMembers(db, accountId),
    capsOf(db, accountId),
    db.selectFrom('key_spend_daily').selectAll().where('account_id', '=', accountId).where('day_index', '>=', readFrom).where('day_index', '<=', today).execute(),
  ]);
  const figures = new Map<string, SpendFigures>();
  for (const row of rows) {
    const day = BigInt(row.day_index);
    const cost = BigInt(row.cost_micros);
    const into = figuresOf(figures, row.key_id);
    if (day >= firstDay) {
      into.requests += BigInt(row.requests);
      into.spentMicros += cost;
    }
    if (day === today) into.todayMicros += cost;
    if (day >= monthFirst) into.monthMicros += cost;
  }
  const byKey = accountKeys.map((key) => ({ key, caps: caps.get(key.id) ?? NO_CAPS, ...figuresOf(figures, key.id) }));
  const byMember = members.map((member) => {
    const own = byKey.filter((entry) => entry.key.memberId === member.id);
    return { member, caps: caps.get(member.id) ?? NO_CAPS, keyIds: own.map((entry) => entry.key.id), ...sumFigures(own) };
  });
  return { accountId, days, firstDay, today, totalMicros: sumFigures(byKey).spentMicros, byMember, byKey };
}

function figuresOf(figures: Map<string, SpendFigures>, keyId: string): SpendFigures {
  let entry = figures.get(keyId);
  if (!entry) {
    entry = { requests: 0n, spentMicros: 0n, todayMicros: 0n, monthMicros: 0n };
    figures.set(keyId, entry);
  }
  return entry;
}

function sumFigures(list: SpendFigures[]): SpendFigures {
  const total = { requests: 0n, spentMicros: 0n, todayMicros: 0n, monthMicros: 0n };
  for (const entry of list) {
    total.requests += entry.requests;
    total.spentMicros += entry.spentMicros;
    total.todayMicros += entry.todayMicros;
    total.monthMicros += entry.monthMicros;
  }
  return total;
}
