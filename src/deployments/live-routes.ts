// The gateway's view of the live deployments: which account's model goes to which deployment,
// held in this process so a request costs a map lookup, not a query. This process reloads it
// after each change it makes; other replicas' changes arrive with the periodic re-read (at most
// `refreshMs` old: a request may reach a just-stopped deployment for that long).
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { log } from '../logs/logger';

export interface LiveRoute {
  deploymentId: string;
  accountId: string;
  model: string;
  upstreamUrl: string;
  status: 'running' | 'paused';
}

/** An upper bound on the live deployments one read loads; past it the newest are routed and an error is logged. */
const LIVE_ROUTES_MAX = 100_000;

export class LiveDeployments {
  private byAccount = new Map<string, Map<string, LiveRoute>>();
  private loadedAtMs = Number.NEGATIVE_INFINITY;
  private readsStarted = 0;
  private readApplied = 0;
  private refreshing: Promise<void> | null = null;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly refreshMs: number,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /** The account's live deployment of the model, if it has one. */
  find(accountId: string, model: string): LiveRoute | null {
    this.refreshIfStale();
    return this.byAccount.get(accountId)?.get(model) ?? null;
  }

  /** The models the account's live deployments serve. */
  modelsOf(accountId: string): string[] {
    this.refreshIfStale();
    return [...(this.byAccount.get(accountId)?.keys() ?? [])];
  }

  /**
   * Reads the live deployments again. A read started before a change committed may finish after
   * one started later: only the latest started read's answer is kept.
   */
  async reload(): Promise<void> {
    const read = ++this.readsStarted;
    const rows = await this.db
      .selectFrom('deployments')
      .select(['id', 'account_id', 'model', 'upstream_url', 'status'])
      .where('status', '<>', 'stopped')
      .orderBy('created_at_ms', 'desc')
      .limit(LIVE_ROUTES_MAX + 1)
      .execute();
    if (rows.length > LIVE_ROUTES_MAX) log.error(`[inferport] more than ${LIVE_ROUTES_MAX} live deployments: the oldest are not routed`);
    if (read < this.readApplied) return;
    const byAccount = new Map<string, Map<string, LiveRoute>>();
    for (const row of rows.slice(0, LIVE_ROUTES_MAX)) {
      const models = byAccount.get(row.account_id) ?? new Map<string, LiveRoute>();
      const status = row.status === 'paused' ? 'paused' : 'running';
      models.set(row.model, { deploymentId: row.id, accountId: row.account_id, model: row.model, upstreamUrl: row.upstream_url, status });
      byAccount.set(row.account_id, models);
    }
    this.byAccount = byAccount;
    this.readApplied = read;
    this.loadedAtMs = this.clock();
  }

  /** Waits for a background re-read in progress (before the pool closes). */
  async close(): Promise<void> {
    await this.refreshing;
  }

  /** Starts a background re-read when the view is older than refreshMs; the request goes on with the current one. */
  private refreshIfStale(): void {
    if (this.refreshing || this.clock() - this.loadedAtMs < this.refreshMs) return;
    this.refreshing = this.reload()
      .catch((error) => log.error('[inferport] reading the live deployments failed; the last view stays', error))
      .finally(() => (this.refreshing = null));
  }
}
