// What the install tests need: two inferport binaries (this checkout's, and the one from just
// before its newest migration, out of git history), a run of install.sh into a temporary prefix,
// and a PATH whose apt-get, useradd, systemctl and sudo only write down that they were called.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanEnv, REPO_ROOT } from '../support/server-process';

export interface Binaries {
  /** Built from the commit before the one that added the newest migration. */
  old: string;
  /** Built from this checkout. */
  current: string;
  /** The newest migration's number: what the upgrade applies. */
  newestMigration: number;
  oldCommit: string;
}

function git(args: string[]): string {
  const result = Bun.spawnSync(['git', ...args], { cwd: REPO_ROOT, stdout: 'pipe', stderr: 'pipe' });
  if (result.exitCode !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr.toString()}`);
  return result.stdout.toString().trim();
}

/** The newest migration, and the commit just before the one that added it (null without that history, e.g. a shallow clone). */
export function commitBeforeNewestMigration(): { commit: string | null; newestMigration: number } {
  const names = [...new Bun.Glob('*.sql').scanSync({ cwd: join(REPO_ROOT, 'sql/postgres') })].sort();
  const newest = names.at(-1)!;
  const newestMigration = Number.parseInt(newest, 10);
  try {
    const added = git(['log', '--diff-filter=A', '--format=%H', '--', `sql/postgres/${newest}`]).split('\n').at(-1)!;
    return { commit: git(['rev-parse', '--verify', `${added}^{commit}^`]), newestMigration };
  } catch {
    return { commit: null, newestMigration };
  }
}

/** `bun run build` of the checkout in `root`, with the output moved to `outfile`. */
export async function build(root: string, outfile: string): Promise<void> {
  const pkg = (await Bun.file(join(root, 'package.json')).json()) as { scripts: { build: string } };
  const args = pkg.scripts.build.split(/\s+/);
  args[args.indexOf('--outfile') + 1] = outfile;
  const child = Bun.spawn(args, { cwd: root, env: cleanEnv({}), stdout: 'pipe', stderr: 'pipe' });
  const [code, stderr] = await Promise.all([child.exited, new Response(child.stderr).text()]);
  if (code !== 0) throw new Error(`build in ${root} failed: ${stderr}`);
}

/** Builds both binaries into `dir` (at once: each takes a few seconds). */
export async function buildBinaries(dir: string, oldCommit: string, newestMigration: number): Promise<Binaries> {
  const oldTree = join(dir, 'old-tree');
  mkdirSync(oldTree);
  // git archive reads the history only: no worktree or branch of the repository is touched.
  const archive = Bun.spawnSync(['bash', '-c', `git archive ${oldCommit} | tar -x -C '${oldTree}'`], { cwd: REPO_ROOT, stderr: 'pipe' });
  if (archive.exitCode !== 0) throw new Error(`git archive ${oldCommit} failed: ${archive.stderr.toString()}`);
  if ((await Bun.file(join(oldTree, 'bun.lock')).text()) === (await Bun.file(join(REPO_ROOT, 'bun.lock')).text())) {
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(oldTree, 'node_modules'));
  } else {
    const install = Bun.spawnSync(['bun', 'install', '--frozen-lockfile'], { cwd: oldTree, env: cleanEnv({}), stderr: 'pipe' });
    if (install.exitCode !== 0) throw new Error(`bun install of ${oldCommit} failed: ${install.stderr.toString()}`);
  }
  const binaries = { old: join(dir, 'inferport-old'), current: join(dir, 'inferport-current'), newestMigration, oldCommit };
  await Promise.all([build(oldTree, binaries.old), build(REPO_ROOT, binaries.current)]);
  return binaries;
}

/** Commands install.sh must not run here; each fake writes its name and arguments to `log` and fails. */
export function fakeSystemCommands(dir: string, log: string): string {
  const bin = join(dir, 'fake-bin');
  mkdirSync(bin, { recursive: true });
  for (const name of ['apt-get', 'useradd', 'userdel', 'systemctl', 'sudo', 'journalctl']) {
    const path = join(bin, name);
    writeFileSync(path, `#!/bin/sh\necho "${name} $*" >> '${log}'\nexit 1\n`, { mode: 0o755 });
  }
  return bin;
}

export interface InstallRun {
  code: number;
  output: string;
  /** The admin token and the URL it printed (null when it printed none). */
  token: string | null;
  migrated: { applied: number[]; skipped: number[] } | null;
}

/** Runs ./install.sh with `args`, installing `binary`; PATH starts with the fake system commands. */
export async function runInstall(args: string[], options: { binary?: string; fakeBin: string }): Promise<InstallRun> {
  const env = cleanEnv({ PATH: `${options.fakeBin}:${process.env.PATH ?? '/usr/bin:/bin'}`, ...(options.binary ? { INFERPORT_BINARY: options.binary } : {}) });
  const child = Bun.spawn(['bash', join(REPO_ROOT, 'install.sh'), ...args], { cwd: REPO_ROOT, env, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' });
  const [code, stdout, stderr] = await Promise.all([child.exited, new Response(child.stdout).text(), new Response(child.stderr).text()]);
  const output = stdout + stderr;
  const token = /admin token:\s+(\S+)/.exec(output)?.[1] ?? null;
  const migration = /applied \[([\d, ]*)\], already applied \[([\d, ]*)\]/.exec(output);
  const numbers = (text: string) => (text.trim() === '' ? [] : text.split(',').map((value) => Number(value.trim())));
  return { code, output, token, migrated: migration ? { applied: numbers(migration[1]!), skipped: numbers(migration[2]!) } : null };
}

/** A port nothing listens on right now. */
export function freePort(): number {
  const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response() });
  const port = server.port!;
  server.stop(true);
  return port;
}

export const modeOf = async (path: string): Promise<string> => ((await Bun.file(path).stat()).mode & 0o777).toString(8);
