// Proves the meter's model test can fail: applies each hand-made mutant of the settlement code
// (meter-mutants-list.ts) to a copy of the tree and runs meter-model.test.ts there on the
// databases the mutant touches, expecting it to fail. Not part of `scripts/test` (minutes).
//
//   bun test/ledger/meter-mutants.ts                  every mutant, after a clean baseline run
//   bun test/ledger/meter-mutants.ts lease --no-baseline   mutants whose name contains "lease"
//
// Postgres comes from INFERPORT_TEST_PG_URL as for the tests. Exits 1 if a mutant survived or
// no longer applies (its `find` text must occur exactly once: re-target it after a refactor).
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MUTANTS, type Mutant } from './meter-mutants-list';

const ROOT = resolve(import.meta.dir, '../..');
const TREE = ['src', 'sql', 'test', 'package.json', 'tsconfig.json', 'bunfig.toml'];
const HANG_MS = 180_000;
const args = process.argv.slice(2);
const filter = args.find((arg) => !arg.startsWith('--')) ?? '';

function copyTree(): string {
  const dir = mkdtempSync(join(tmpdir(), 'inferport-mutant-'));
  for (const entry of TREE) cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

/** Runs the model test in `dir`; returns whether it passed and the first failure line. */
function runModelTest(dir: string, database: 'postgres' | 'sqlite'): { passed: boolean; detail: string } {
  const result = Bun.spawnSync(['bun', 'test', 'test/ledger/meter-model.test.ts'], {
    cwd: dir,
    env: { ...process.env, INFERPORT_TEST_DB: database },
    stdout: 'pipe',
    stderr: 'pipe',
    // A mutant that leaves a settlement unanswered hangs the test; bun's own timeout would end it
    // much later, as a failure all the same.
    timeout: HANG_MS,
  });
  if (result.exitCode === null) return { passed: false, detail: `hung: no answer within ${HANG_MS / 1000} s (a request left unanswered)` };
  const output = `${result.stdout.toString()}\n${result.stderr.toString()}`;
  // The check that failed: bun prints the property's cause after fast-check's summary.
  const errors = output.split('\n').filter((line) => line.startsWith('error: ') && !line.includes('Property failed'));
  const detail = errors[0] ?? '';
  return { passed: result.exitCode === 0, detail: detail.slice(0, 160) };
}

function applyMutant(dir: string, mutant: Mutant): boolean {
  const path = join(dir, mutant.file);
  const text = readFileSync(path, 'utf8');
  if (text.split(mutant.find).length !== 2) return false;
  writeFileSync(path, text.replace(mutant.find, mutant.replace));
  return true;
}

let bad = 0;
if (!args.includes('--no-baseline')) {
  const dir = copyTree();
  for (const database of ['postgres', 'sqlite'] as const) {
    const { passed, detail } = runModelTest(dir, database);
    console.log(`baseline (${database}): ${passed ? 'passes' : `FAILS: ${detail}`}`);
    if (!passed) bad += 1;
  }
  rmSync(dir, { recursive: true, force: true });
}
for (const mutant of MUTANTS.filter((candidate) => candidate.name.includes(filter))) {
  const dir = copyTree();
  try {
    if (!applyMutant(dir, mutant)) {
      console.log(`${mutant.name}: NOT APPLIED (re-target it) — ${mutant.file}: ${mutant.intent}`);
      bad += 1;
      continue;
    }
    for (const database of mutant.databases) {
      const { passed, detail } = runModelTest(dir, database);
      console.log(`${mutant.name} (${database}): ${passed ? 'SURVIVED' : 'caught'} — ${mutant.intent}${passed ? '' : `\n    ${detail}`}`);
      if (passed) bad += 1;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
console.log(bad === 0 ? 'every mutant was caught' : `${bad} problem(s)`);
process.exit(bad === 0 ? 0 : 1);
