// A command hook: the operator's command run with the deployment's facts in its environment
// (and nothing of the server's), in its own process group, killed with it at the timeout, its
// output logged.

/** What a hook is told: a command in its environment, a URL in its JSON body. */
export interface HookFacts {
  event: 'start' | 'stop';
  deployment_id: string;
  model: string;
  upstream_url: string;
  account_id: string;
  instance_type: string;
}

/** The most of a hook's output logged, per stream. */
export const OUTPUT_LOGGED_MAX = 4096;

/**
 * A command hook's whole environment: a fixed PATH and the deployment's facts, nothing of the
 * server's own environment (its admin token and Stripe secret stay out of operator scripts).
 */
const HOOK_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** How long output is still read once a command exited. */
const OUTPUT_GRACE_MS = 500;

export async function commandHook(argv: string[], facts: HookFacts, timeoutMs: number, log: (line: string) => void): Promise<void> {
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
