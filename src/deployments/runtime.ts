// What the deployment services need from the running process besides the database, built once
// in server.ts: the gateway's routing view, the hook runner, the instance types, and the
// after-charge fan-out. Services take it as an argument; it never sees Elysia's context.
import type { Kysely } from 'kysely';
import type { InstanceTypeConfig } from '../config';
import type { Database } from '../db/schema';
import { HookRunner, type HookEvent } from './hooks';
import { LiveDeployments } from './live-routes';
import type { Deployment } from './model';
import { log } from '../logs/logger';

/** How old this process's view of other replicas' deployment changes may get. */
export const LIVE_ROUTES_REFRESH_MS = 3000;

/** What a committed deployment change asks to happen next (style rule 11: after the commit). */
export interface Committed {
  deployment: Deployment;
  /** The hook to run for the change, if any. */
  hook: HookEvent | null;
  /** An hour was charged: the account's balance went down. */
  charged: boolean;
  /** The deployment's status changed (or it is new): the routing view is re-read. */
  changed: boolean;
}

export class DeploymentRuntime {
  readonly routes: LiveDeployments;
  readonly hooks: HookRunner;

  constructor(
    db: Kysely<Database>,
    readonly instanceTypes: Record<string, InstanceTypeConfig>,
    private readonly noteCharged: (accountIds: string[]) => void,
    /** Starts the alert deliverer: a pause or resume recorded its alert in the committed transaction. */
    private readonly alertsRecorded: () => void = () => {},
    refreshMs = LIVE_ROUTES_REFRESH_MS,
  ) {
    this.routes = new LiveDeployments(db, refreshMs);
    this.hooks = new HookRunner(instanceTypes);
  }

  /** Runs what the committed changes asked for. Hooks run in the background; the view is re-read before this returns. */
  async afterCommit(changes: Committed[]): Promise<void> {
    const charged = [...new Set(changes.filter((change) => change.charged).map((change) => change.deployment.accountId))];
    if (charged.length > 0) this.noteCharged(charged);
    for (const change of changes) if (change.hook) this.hooks.run(change.deployment, change.hook);
    if (changes.some((change) => change.changed)) {
      this.alertsRecorded();
      await this.routes.reload().catch((error) => log.error('[inferport] reading the live deployments failed; the periodic re-read retries', error));
    }
  }

  /** Waits for the hooks still running (each bounded by its timeout) and a re-read in progress. */
  async close(): Promise<void> {
    await this.hooks.idle();
    await this.routes.close();
  }
}
