// The README's "First request in minutes" as the walk-through test runs it: each fenced block
// after a `<!-- walkthrough: NAME -->` marker, by name, in the README's order. The test runs
// these texts, so the README cannot show a command that does not work.
import { join } from 'node:path';
import { REPO_ROOT } from '../support/server-process';

export interface WalkthroughBlock {
  name: string;
  text: string;
}

const BLOCK = /<!-- walkthrough: ([a-z-]+) -->\n```[a-z]*\n([\s\S]*?)\n```/g;

export async function readWalkthrough(): Promise<WalkthroughBlock[]> {
  const readme = await Bun.file(join(REPO_ROOT, 'README.md')).text();
  return [...readme.matchAll(BLOCK)].map((match) => ({ name: match[1]!, text: match[2]! }));
}

/** One bash run of `script` (errexit, pipefail); its output, both streams, and exit code. */
export async function runBash(script: string, options: { cwd: string; env: Record<string, string> }): Promise<{ code: number; output: string }> {
  const child = Bun.spawn(['bash', '-euo', 'pipefail', '-c', script], { cwd: options.cwd, env: options.env, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' });
  const [code, stdout, stderr] = await Promise.all([child.exited, new Response(child.stdout).text(), new Response(child.stderr).text()]);
  return { code, output: stdout + stderr };
}
