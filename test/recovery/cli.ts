// Runs one `inferport` command (backup, restore, audit) as an operator would: a child process
// with a clean environment; returns its exit status and what it printed.
import { cleanEnv, REPO_ROOT } from '../support/server-process';

export interface CommandRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runInferport(args: string[], env: Record<string, string>): Promise<CommandRun> {
  const child = Bun.spawn(['bun', 'src/index.ts', ...args], { cwd: REPO_ROOT, env: cleanEnv(env), stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { code, stdout, stderr };
}
