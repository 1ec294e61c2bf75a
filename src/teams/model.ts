// The wire shapes of the team routes: members, spend caps and the spend report. Amounts are decimal
// strings of credits; days are UTC calendar days.
import { t } from 'elysia';
import { formatMicros } from '../shared/money';
import { isoDate } from '../usage/report-window';
import type { SpendCaps } from './caps';
import type { Member } from './members';
import type { SpendFigures, SpendReport } from './spend-report';

const credits = (description: string) => t.String({ pattern: '^\\d+\\.\\d{6}$', description });
const nullableCredits = (description: string) => t.Union([credits(description), t.Null()]);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export const memberSchema = t.Object({
  id: t.String(),
  object: t.Literal('team_member'),
  account_id: t.String(),
  name: t.String(),
  email: t.Union([t.String(), t.Null()]),
  created_at: t.String({ format: 'date-time' }),
  removed_at: t.Union([t.String({ format: 'date-time' }), t.Null()]),
});

export const addMemberBody = t.Object(
  { name: t.String({ minLength: 1, maxLength: 200 }), email: t.Optional(t.Union([t.String({ minLength: 3, maxLength: 320, pattern: '^[^@\\s]+@[^@\\s]+$' }), t.Null()])) },
  { additionalProperties: false },
);

const capInput = (window: string) =>
  t.Optional(t.Union([t.String({ maxLength: 32, description: `Credits per UTC ${window}, e.g. "25.5"` }), t.Null()], { description: `Left out or null: no ${window} cap` }));

export const setCapsBody = t.Object(
  { daily: capInput('day'), monthly: capInput('month') },
  { additionalProperties: false, description: 'Replaces the caps as a whole: a window left out or null is uncapped, so {} removes them.' },
);

export const capsSchema = t.Object({
  object: t.Literal('spend_caps'),
  subject_id: t.String({ description: 'The key or member the caps bound' }),
  daily: nullableCredits('Credits per UTC day; null: uncapped'),
  monthly: nullableCredits('Credits per UTC month; null: uncapped'),
});

const figureFields = {
  requests: t.Integer({ description: 'Credit-billed requests in the window' }),
  spent: credits('Charged in the window'),
  today: credits('Charged this UTC day'),
  month: credits('Charged this UTC month'),
  caps: t.Object({ daily: nullableCredits('Daily cap'), monthly: nullableCredits('Monthly cap') }),
};

export const spendReportSchema = t.Object({
  object: t.Literal('team_spend'),
  account_id: t.String(),
  days: t.Integer(),
  from: t.String({ description: 'First UTC day of the window' }),
  to: t.String({ description: 'Last UTC day of the window (today)' }),
  total: credits("Charged to the account's credit-billed keys in the window"),
  by_member: t.Array(t.Object({ member_id: t.String(), name: t.String(), removed_at: t.Union([t.String(), t.Null()]), key_ids: t.Array(t.String()), ...figureFields })),
  by_key: t.Array(t.Object({ key_id: t.String(), name: t.Union([t.String(), t.Null()]), prefix: t.String(), member_id: t.Union([t.String(), t.Null()]), revoked_at: t.Union([t.String(), t.Null()]), ...figureFields })),
});

export function memberJson(member: Member) {
  return {
    id: member.id,
    object: 'team_member' as const,
    account_id: member.accountId,
    name: member.name,
    email: member.email,
    created_at: new Date(member.createdAtMs).toISOString(),
    removed_at: iso(member.removedAtMs),
  };
}

const creditsOrNull = (micros: bigint | null) => (micros === null ? null : formatMicros(micros));

export function capsJson(subjectId: string, caps: SpendCaps) {
  return { object: 'spend_caps' as const, subject_id: subjectId, daily: creditsOrNull(caps.dailyMicros), monthly: creditsOrNull(caps.monthlyMicros) };
}

function figuresJson(figures: SpendFigures, caps: SpendCaps) {
  return {
    requests: Number(figures.requests),
    spent: formatMicros(figures.spentMicros),
    today: formatMicros(figures.todayMicros),
    month: formatMicros(figures.monthMicros),
    caps: { daily: creditsOrNull(caps.dailyMicros), monthly: creditsOrNull(caps.monthlyMicros) },
  };
}

export function spendReportJson(report: SpendReport) {
  return {
    object: 'team_spend' as const,
    account_id: report.accountId,
    days: report.days,
    from: isoDate(report.firstDay),
    to: isoDate(report.today),
    total: formatMicros(report.totalMicros),
    by_member: report.byMember.map((entry) => ({
      member_id: entry.member.id,
      name: entry.member.name,
      removed_at: iso(entry.member.removedAtMs),
      key_ids: entry.keyIds,
      ...figuresJson(entry, entry.caps),
    })),
    by_key: report.byKey.map((entry) => ({
      key_id: entry.key.id,
      name: entry.key.name,
      prefix: entry.key.prefix,
      member_id: entry.key.memberId,
      revoked_at: iso(entry.key.revokedAtMs),
      ...figuresJson(entry, entry.caps),
    })),
  };
}
