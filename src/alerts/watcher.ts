// Raises the alerts that watch balances and the calendar. After charges commit, the accounts
// they charged are noted (noteCharged only remembers ids, never waits) and a background check
// evaluates their low-balance and deployment-cost alerts, off the charge's path. Only accounts
// that watch something are noted: the process keeps their ids (read at start, re-read every
// WATCHING_REFRESH_MS for other replicas' settings, updated at once by its own PUT), so a charge
// of an account without alerts costs no query. The benchmark measured a query per settlement
// batch at ~150 µs of Postgres CPU per request at c=1 and stalls in the c=1 tail. The scheduler's pass does the same for every account (a balance back above its
// threshold after a grant re-arms its alert; other replicas' charges) and sends the summaries
// of the periods that ended. Whatever it records is handed to the deliverer at once.
import type { Db } from '../db';
import { BackgroundDrain } from '../scheduler/background-drain';
import { evaluateDeploymentCost } from './deployment-cost';
import { evaluateLowBalance } from './low-balance';
import { endedPeriods, sendSummaries } from './summaries';
import { log } from '../logs/logger';

/** Accounts checked per query, and handled per pass: each pass's work is bounded. */
const CHECK_BATCH_MAX = 200;
const SWEEP_ACCOUNTS_MAX = 500;
/** Accounts noted and not yet checked; beyond this the sweep finds the rest. */
const NOTED_MAX = 100_000;
/** How old this process's list of watching accounts may get (another replica's PUT). */
const WATCHING_REFRESH_MS = 10_000;

export class AlertWatcher {
  private readonly noted = new Set<string>();
  private readonly checks = new BackgroundDrain(() => this.checkNoted(), 'checking accounts for alerts');
  /** Accounts with a low-balance threshold or a deployment-cost amount; null until first read. */
  private watching: Set<string> | null = null;
  private watchingReadAtMs = -Infinity;
  private watchingRead: Promise<void> | null = null;

  constructor(
    private readonly db: Db,
    private readonly options: { now: () => number; deliver: () => void },
  ) {}

  /** The after-charge hook: remembers the accounts that watch something and starts a check; never waits. */
  noteCharged(accountIds: readonly string[]): void {
    this.refreshWatchingIfOld();
    // Before the first read every account is noted: the check's query decides.
    const watching = this.watching;
    let added = false;
    for (const id of accountIds) {
      if (watching !== null && !watching.has(id)) continue;
      if (this.noted.size < NOTED_MAX) this.noted.add(id);
      added = true;
    }
    if (added) this.checks.kick();
  }

  /** This process changed the account's settings: watch it (or not) from now on, and check it now. */
  noteSettings(accountId: string, watches: boolean): void {
    if (watches) this.watching?.add(accountId);
    else this.watching?.delete(accountId);
    if (watches) this.noteCharged([accountId]);
  }

  private refreshWatchingIfOld(): void {
    const nowMs = Date.now();
    if (this.watchingRead || nowMs - this.watchingReadAtMs < WATCHING_REFRESH_MS) return;
    this.watchingReadAtMs = nowMs;
    this.watchingRead = this.readWatching()
      .catch((error) => log.error('[inferport] reading the accounts that watch alerts failed; retried on a later charge', error))
      .finally(() => (this.watchingRead = null));
  }

  private async readWatching(): Promise<void> {
    const rows = await this.db
      .selectFrom('alert_settings')
      .select('account_id')
      .where((eb) => eb.or([eb('low_balance_threshold_micros', 'is not', null), eb('deployment_cost_micros', 'is not', null)]))
      .execute();
    this.watching = new Set(rows.map((row) => row.account_id));
  }

  whenIdle(): Promise<void> {
    return this.checks.whenIdle();
  }

  async close(): Promise<void> {
    await this.watchingRead;
    await this.checks.close();
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
