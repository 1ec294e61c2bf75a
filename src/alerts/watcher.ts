// Raises the alerts that watch balances and the calendar. After charges commit, the accounts
// they charged are noted (noteCharged only remembers ids, never waits) and a background check
// evaluates their low-balance and deployment-cost alerts: one indexed query per batch, off the
// charge's path. The scheduler's pass does the same for every account (a balance back above its
// threshold after a grant re-arms its alert; other replicas' charges) and sends the summaries
// of the periods that ended. Whatever it records is handed to the deliverer at once.
import type { Db } from '../db';
import { BackgroundDrain } from '../scheduler/background-drain';
import { evaluateDeploymentCost } from './deployment-cost';
import { evaluateLowBalance } from './low-balance';
import { endedPeriods, sendSummaries } from './summaries';

/** Accounts checked per query, and handled per pass: each pass's work is bounded. */
const CHECK_BATCH_MAX = 200;
const SWEEP_ACCOUNTS_MAX = 500;
/** Accounts noted and not yet checked; beyond this the sweep finds the rest. */
const NOTED_MAX = 100_000;

export class AlertWatcher {
  private readonly noted = new Set<string>();
  private readonly checks = new BackgroundDrain(() => this.checkNoted(), 'checking accounts for alerts');

  constructor(
    private readonly db: Db,
    private readonly options: { now: () => number; deliver: () => void },
  ) {}

  /** The after-charge hook: remembers the accounts and starts a check; never waits. */
  noteCharged(accountIds: readonly string[]): void {
    for (const id of accountIds) if (this.noted.size < NOTED_MAX) this.noted.add(id);
    this.checks.kick();
  }

  whenIdle(): Promise<void> {
    return this.checks.whenIdle();
  }

  close(): Promise<void> {
    return this.checks.close();
  }

  /** The scheduler's pass over every account. */
  async sweep(nowMs: number): Promise<void> {
    let recorded = await evaluateLowBalance(this.db, null, nowMs, SWEEP_ACCOUNTS_MAX);
    recorded += await evaluateDeploymentCost(this.db, null, nowMs, SWEEP_ACCOUNTS_MAX);
    for (const period of endedPeriods(nowMs)) recorded += await sendSummaries(this.db, period, nowMs, SWEEP_ACCOUNTS_MAX);
    if (recorded > 0) this.options.deliver();
  }

  private async checkNoted(): Promise<void> {
    while (this.noted.size > 0) {
      const ids = [...this.noted].slice(0, CHECK_BATCH_MAX);
      for (const id of ids) this.noted.delete(id);
      const nowMs = this.options.now();
      // One primary-key read says which of them watch anything; most accounts watch nothing.
      const watching = await this.db
        .selectFrom('alert_settings')
        .select(['account_id', 'low_balance_threshold_micros', 'deployment_cost_micros'])
        .where('account_id', 'in', ids)
        .where((eb) => eb.or([eb('low_balance_threshold_micros', 'is not', null), eb('deployment_cost_micros', 'is not', null)]))
        .execute();
      const withThreshold = watching.filter((row) => row.low_balance_threshold_micros !== null).map((row) => row.account_id);
      const withDeploymentCost = watching.filter((row) => row.deployment_cost_micros !== null).map((row) => row.account_id);
      const recorded = (await evaluateLowBalance(this.db, withThreshold, nowMs, CHECK_BATCH_MAX)) + (await evaluateDeploymentCost(this.db, withDeploymentCost, nowMs, CHECK_BATCH_MAX));
      if (recorded > 0) this.options.deliver();
    }
  }
}
