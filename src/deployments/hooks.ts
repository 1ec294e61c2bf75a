// The operator's hooks of an instance type ([instance_types.<name>] start_command / stop_command,
// start_url / stop_url): run after the change that decided them committed, bounded in time, their
// output and failures logged. A hook never decides money: billing already happened (or did not),
// whatever the hook does.
import type { DeploymentHook, InstanceTypeConfig } from '../config';
import { commandHook, OUTPUT_LOGGED_MAX, type HookFacts } from './hook-command';
import type { Deployment } from './model';
import { log as logger } from '../logs/logger';

export type HookEvent = HookFacts['event'];

export function hookFacts(deployment: Deployment, event: HookEvent): HookFacts {
  return {
    event,
    deployment_id: deployment.id,
    model: deployment.model,
    upstream_url: deployment.upstreamUrl,
    account_id: deployment.accountId,
    instance_type: deployment.instanceType,
  };
}

/** Runs hooks in the background and knows which are still running (close waits for them). */
export class HookRunner {
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly instanceTypes: Record<string, InstanceTypeConfig>,
    private readonly log: (line: string) => void = (line) => logger.info(line),
  ) {}

  /** Starts the instance type's hook for the event, if it has one; never throws, never waits. */
  run(deployment: Deployment, event: HookEvent): void {
    const type = this.instanceTypes[deployment.instanceType];
    const hook = type?.hooks[event] ?? null;
    if (!type || hook === null) return;
    const label = `[inferport] deployment ${deployment.id} ${event} hook`;
    const run = runHook(hook, hookFacts(deployment, event), type.hookTimeoutSeconds * 1000, (line) => this.log(`${label}: ${line}`))
      .catch((error) => this.log(`${label} failed: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => this.running.delete(run));
    this.running.add(run);
  }

  /** Resolves when every hook started so far has finished (each is bounded by its timeout). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }
}

async function runHook(hook: DeploymentHook, facts: HookFacts, timeoutMs: number, log: (line: string) => void): Promise<void> {
  if (hook.kind === 'url') return postHook(hook.url, facts, timeoutMs, log);
  return commandHook(hook.argv, facts, timeoutMs, log);
}

async function postHook(url: string, facts: HookFacts, timeoutMs: number, log: (line: string) => void): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'inferport-deployment-hook' },
    body: JSON.stringify(facts),
    signal: AbortSignal.timeout(timeoutMs),
    redirect: 'manual',
  });
  const text = (await response.text()).slice(0, OUTPUT_LOGGED_MAX);
  if (!response.ok) throw new Error(`POST ${url} answered ${response.status} ${text}`);
  log(`POST ${url} answered ${response.status}`);
}
