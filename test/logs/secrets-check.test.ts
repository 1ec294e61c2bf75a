// The checker scripts/test runs over the suite's output: it catches each kind of planted secret,
// reports it masked (so the report itself leaks nothing), and passes clean and redacted output.
import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redact } from '../../src/logs/redact';
import { ADMIN_TOKEN, PROMPT_MARKER } from '../support/env';

const directory = mkdtempSync(join(tmpdir(), 'log-secrets-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
const CHECKER = join(import.meta.dir, '../../scripts/test-log-secrets.ts');

async function check(text: string): Promise<{ code: number; output: string }> {
  const file = join(directory, `run-${Math.random().toString(36).slice(2)}.log`);
  writeFileSync(file, text);
  const child = Bun.spawn([process.execPath, CHECKER, file], { stdout: 'pipe', stderr: 'pipe' });
  const [code, stdout, stderr] = await Promise.all([child.exited, new Response(child.stdout).text(), new Response(child.stderr).text()]);
  return { code, output: stdout + stderr };
}

// Assembled at run time, so that no test name nor source line the runner prints holds them whole.
const planted = {
  key: 'ipk_' + 'Zq9_Xw-7'.repeat(6),
  admin: ADMIN_TOKEN,
  stripe: ['sk', 'test', '51Hplanted'].join('_'),
  webhook: ['whsec', 'plantedSecret'].join('_'),
  card: ['4242', '4242', '4242', '4242'].join(' '),
  marker: PROMPT_MARKER,
};

describe('scripts/test-log-secrets.ts', () => {
  test('clean output passes', async () => {
    expect(await check('(pass) a test [1.00ms]\n 12 pass\n at 1764650000000 ms, balance 1000000000000000\n')).toEqual({ code: 0, output: '' });
  });

  for (const [kind, secret] of Object.entries(planted)) {
    test(`catches a planted secret (${kind}) and reports it masked`, async () => {
      const { code, output } = await check(`line one\n{"msg":"request","detail":"x ${secret} y"}\n`);
      expect(code).toBe(1);
      expect(output).toContain(':2: ');
      expect(output).toContain('1 secret(s) in the test output');
      expect(output).not.toContain(secret);
    });
  }

  test('what the logger redacted passes', async () => {
    expect(await check(redact(`Bearer x ${planted.key} ${planted.stripe} ${planted.webhook} ${planted.card}`) + '\n')).toEqual({ code: 0, output: '' });
  });

  test('an unreadable file is an error of its own', async () => {
    const child = Bun.spawn([process.execPath, CHECKER, join(directory, 'missing.log')], { stdout: 'pipe', stderr: 'pipe' });
    expect(await child.exited).toBe(2);
  });
});
