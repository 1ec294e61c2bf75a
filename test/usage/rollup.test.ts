// The rollup rows a batch writes (src/usage/rollup.ts), the process's memory of each day's most
// expensive requests (top-floors.ts), and the report's pure figures (report*.ts).
import { describe, expect, test } from 'bun:test';
import { usageDailyRows, usageTopRows, type RollupSource } from '../../src/usage/rollup';
import { TopFloors } from '../../src/usage/top-floors';
import { underusedOf, type DeploymentCost } from '../../src/usage/report-deployments';
import { changePercent, projectMonth } from '../../src/usage/report';
import { parseReportDays, reportCalendar } from '../../src/usage/report-window';

const DAY_MS = 86_400_000;
const record = (id: string, costMicros: bigint, createdAtMs: number, model = 'm', upstream: string | null = null, accountId = 'acct_a'): RollupSource => ({
  id, account_id: accountId, model, upstream, prompt_tokens: 3n, completion_tokens: 2n, cost_micros: costMicros, created_at_ms: BigInt(createdAtMs),
});

describe('usage rollup rows', () => {
  test('summed per (account, UTC day, model, upstream), null upstream as empty, in key order', () => {
    const rows = usageDailyRows([record('u1', 5n, DAY_MS - 1), record('u2', 7n, DAY_MS), record('u3', 0n, DAY_MS + 5, 'm', 'dep_x'), record('u4', 1n, DAY_MS + 9), record('u5', 2n, 0, 'a', null, 'acct_0')]);
    expect(rows.map((row) => [row.account_id, row.day_index, row.model, row.upstream, row.requests, row.prompt_tokens, row.cost_micros])).toEqual([
      ['acct_0', 0n, 'a', '', 1n, 3n, 2n],
      ['acct_a', 0n, 'm', '', 1n, 3n, 5n],
      ['acct_a', 1n, 'm', '', 2n, 6n, 8n],
      ['acct_a', 1n, 'm', 'dep_x', 1n, 3n, 0n],
    ]);
  });

  test("top candidates: a day's 10 most expensive charged records of the batch, by cost then id, none free", () => {
    const records = Array.from({ length: 14 }, (_, n) => record(`u${String(n).padStart(2, '0')}`, BigInt(n % 7), DAY_MS * 3));
    const candidates = usageTopRows([...records, record('other-day', 1n, DAY_MS * 4)]);
    expect(candidates.filter((row) => row.day_index === 3n).map((row) => row.record_id)).toEqual(['u13', 'u06', 'u12', 'u05', 'u11', 'u04', 'u10', 'u03', 'u09', 'u02']);
    expect(candidates.filter((row) => row.day_index === 4n).map((row) => row.record_id)).toEqual(['other-day']);
  });

  test('a process leaves out only candidates below the 10th it already wrote for that day', () => {
    const floors = new TopFloors();
    const day = (ids: number[], cost: (n: number) => bigint) => usageTopRows(ids.map((n) => record(`u${String(n).padStart(3, '0')}`, cost(n), DAY_MS)));
    const first = day([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], (n) => BigInt(n * 10));
    expect(floors.candidates(first)).toEqual(first);
    floors.note(first);
    // The 10th written is (10, u001): 10 with a lower id and anything cheaper cannot make the 10.
    const next = day([0, 11, 12], (n) => (n === 12 ? 10n : n === 11 ? 11n : 10n));
    expect(floors.candidates(next).map((row) => row.record_id)).toEqual(['u011', 'u012']);
    expect(floors.candidates(usageTopRows([record('z', 1n, DAY_MS * 2)])).map((row) => row.record_id)).toEqual(['z']);
  });
});

describe('usage report figures', () => {
  const deployment = (hours: bigint, requests: bigint, status: DeploymentCost['status'] = 'running'): DeploymentCost => ({ id: `dep_${hours}_${requests}_${status}`, model: 'm', instanceType: 'gpu-s', status, hours, requests, costMicros: hours * 600_000n });

  test('underused: billed, not stopped, fewer than 6 requests per billed hour; idlest first', () => {
    const found = underusedOf([deployment(10n, 60n), deployment(10n, 59n), deployment(3n, 0n), deployment(0n, 0n), deployment(2n, 1n, 'stopped'), deployment(4n, 2n, 'paused')]);
    expect(found.map((row) => [row.id, row.requestsPerHour])).toEqual([['dep_3_0_running', 0], ['dep_4_2_paused', 0.5], ['dep_10_59_running', 5.9]]);
    expect(found[0]!.suggestion).toContain('0 requests in 3 billed hours');
  });

  test('trend in percent to two decimals, null when nothing was spent before', () => {
    expect(changePercent(150n, 100n)).toBe(50);
    expect(changePercent(1n, 3n)).toBe(-66.66);
    expect(changePercent(5n, 0n)).toBeNull();
  });

  test("the projection adds the last 7 full days' daily average for the time left in the month", () => {
    const nowMs = Date.UTC(2026, 1, 20, 12); // 8.5 days left in February 2026
    const calendar = reportCalendar(7, nowMs);
    const today = Date.UTC(2026, 1, 20) / DAY_MS;
    expect([calendar.month.first, calendar.projection.first, calendar.projection.last, calendar.today].map(Number)).toEqual([Date.UTC(2026, 1, 1) / DAY_MS, today - 7, today - 1, today]);
    expect(projectMonth(calendar, 1_000n, 7_000n)).toBe(1_000n + 8_500n);
    expect(projectMonth(reportCalendar(30, Date.UTC(2026, 2, 1) - 1), 5n, 7_000_000n)).toBe(5n);
  });

  test('days: 7, 14 or 30, 7 when absent; anything else a 400 naming days', () => {
    expect([parseReportDays(undefined), parseReportDays('14'), parseReportDays('30')]).toEqual([7, 14, 30]);
    for (const bad of ['0', '07', '31', '-7', 'x']) expect(() => parseReportDays(bad)).toThrow(expect.objectContaining({ status: 400, param: 'days' }));
  });
});
