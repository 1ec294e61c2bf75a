// A process's memory of the most expensive requests it has written, per account and UTC day, so
// a settlement batch leaves out usage_top candidates that cannot make their day's 10 (rollup.ts).
// What it remembers were committed records, a subset of the day's: its 10th is never above the
// day's true 10th, so a candidate ranked below it cannot be among the day's 10, now or later.
// Leaving those out spares most batches usage_top's statement. Only an optimisation: forgetting
// everything (a restart, the bound below) costs statements, never a wrong answer.
import { compareExpensiveFirst, TOP_REQUESTS, type UsageTopRow } from './rollup';

/** Account-days remembered at most; past it the memory starts over. */
const DAYS_MAX = 50_000;

export class TopFloors {
  private readonly days = new Map<string, UsageTopRow[]>();

  /** The candidates that may still make their day's 10, as far as this process knows. */
  candidates(rows: readonly UsageTopRow[]): UsageTopRow[] {
    return rows.filter((row) => {
      const kept = this.days.get(keyOf(row));
      return kept === undefined || kept.length < TOP_REQUESTS || compareExpensiveFirst(row, kept[TOP_REQUESTS - 1]!) < 0;
    });
  }

  /** Remembers candidates whose records have committed (all of a batch's, sent or left out). */
  note(rows: readonly UsageTopRow[]): void {
    if (this.days.size > DAYS_MAX) this.days.clear();
    for (const row of rows) {
      const key = keyOf(row);
      const kept = [...(this.days.get(key) ?? []), row].sort(compareExpensiveFirst).slice(0, TOP_REQUESTS);
      this.days.set(key, kept);
    }
  }
}

function keyOf(row: UsageTopRow): string {
  return `${row.account_id}\u0000${row.day_index}`;
}
