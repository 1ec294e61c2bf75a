// The operator's hooks of an instance type ([instance_types.<name>] start_command / stop_command,
// start_url / stop_url): run after the change that decided them committed, bounded in time, their
// output and failures logged. A hook never decides money: billing already happened (or did not),
// whatever the hook does.
import type { DeploymentHook, InstanceTypeConfig } from '../config';
import type { Deployment } from './model';

export type HookEvent = 'start' | 'stop';

/** The most of a command's output logged, per stream. */
const OUTPUT_LOGGED_MAX = 4096;
/** How long output is still read once a command exited. */
const OUTPUT_GRACE_MS = 500;

/**
 * A command hook's whole environment: a fixed PATH and the deployment's facts, nothing of the
 * server's own environment (its admin token and Stripe secret stay out of operator scripts).
 */
const HOOK_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function hookFacts(deployment: Deployment, event: HookEvent) {
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
    private readonly log: (line: string) => void = (line) => console.log(line),
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

async function runHook(hook: DeploymentHook, facts: ReturnType<typeof hookFacts>, timeoutMs: number, log: (line: string) => void): Promise<void> {
  if (hook.kind === 'url') return postHook(hook.url, facts, timeoutMs, log);
  return commandHook(hook.argv, facts, timeoutMs, log);
}

async function postHook(url: string, facts: ReturnType<typeof hookFacts>, timeoutMs: number, log: (line: string) => void): Promise<void> {
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

async function commandHook(argv: string[], facts: ReturnType<typeof hookFacts>, timeoutMs: number, log: (line: string) => void): Promise<void> {
  const child = Bun.spawn(argv, {
    env: {
      PATH: HOOK_PATH,
      INFERPORT_DEPLOYMENT_EVENT: facts.event,
      INFERPORT_DEPLOYMENT_ID: facts.deployment_id,
      INFERPORT_DEPLOYMENT_MODEL: facts.model,
      INFERPORT_DEPLOYMENT_UPSTREAM_URL: facts.upstream_url,
      INFERPORT_DEPLOYMENT_ACCOUNT_ID: facts.account_id,
      INFERPORT_DEPLOYMENT_INSTANCE_TYPE: facts.instance_type,
    },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    // Its own process group, so that a timeout ends what the command started, not the shell alone.
    detached: true,
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child);
  }, timeoutMs);
  try {
    // A command that starts a server in the background (`vllm serve … &`) leaves it holding the
    // pipes: the output is read until the command exits, and a moment more, never until EOF.
    const output = Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text()]);
    const code = await child.exited;
    const [stdout, stderr] = (await Promise.race([output, Bun.sleep(OUTPUT_GRACE_MS).then(() => null)])) ?? ['', ''];
    if (stdout.trim()) log(`stdout: ${stdout.trim().slice(0, OUTPUT_LOGGED_MAX)}`);
    if (stderr.trim()) log(`stderr: ${stderr.trim().slice(0, OUTPUT_LOGGED_MAX)}`);
    if (timedOut) throw new Error(`${argv[0]} ran past ${timeoutMs} ms and was killed`);
    if (code !== 0) throw new Error(`${argv[0]} exited with ${code}`);
    log('done');
  } finally {
    clearTimeout(timer);
  }
}

function killGroup(child: { pid: number; kill: (signal: NodeJS.Signals) => void }): void {
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL'); // the group is gone already: the command itself, at most
  }
}
