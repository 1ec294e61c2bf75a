// Reads the output of test runs (the files given) and fails when a secret the tests use shows up
// in it: an issued API key, the tests' admin token, a Stripe secret key or webhook secret, a card
// number, or the marker the tests put in prompts (no request body is ever logged). scripts/test
// runs it on the output of both bun test runs. What it finds is printed masked, so that its own
// report holds no secret either. Exit 0: clean; 1: found; 2: a file could not be read.
//
//   bun scripts/test-log-secrets.ts FILE...
import { basename } from 'node:path';
import { CARD_LIKE, isLuhnValid } from '../src/logs/redact';
import { KEY_PREFIX } from '../src/keys/service';
import { ADMIN_TOKEN, PROMPT_MARKER } from '../test/support/env';

interface Finding {
  file: string;
  line: number;
  kind: string;
  masked: string;
  /** The line it is on, with the secret masked, so the test that printed it can be found. */
  context: string;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** What must not appear, and the name a finding is reported by. A full key is the prefix and 43 characters. */
const SHAPES: [string, RegExp][] = [
  ['an issued API key', new RegExp(`${escape(KEY_PREFIX)}[A-Za-z0-9_-]{32,}`, 'g')],
  ['the admin token of the tests', new RegExp(escape(ADMIN_TOKEN), 'g')],
  ['a Stripe secret key', /\b(?:sk|rk)_(?:test|live)_[A-Za-z0-9]+/g],
  ['a webhook signing secret', /\bwhsec_[A-Za-z0-9+/=_-]+/g],
  ['the prompt marker (a request body)', new RegExp(escape(PROMPT_MARKER), 'g')],
];

export function findSecrets(text: string, file: string): Finding[] {
  const findings: Finding[] = [];
  text.split('\n').forEach((line, index) => {
    const note = (kind: string, match: string) => {
      const masked = `${match.slice(0, 6)}…`;
      findings.push({ file: basename(file), line: index + 1, kind, masked, context: line.split(match).join(masked).slice(0, 200) });
    };
    for (const [kind, shape] of SHAPES) for (const match of line.matchAll(shape)) note(kind, match[0]);
    for (const match of line.matchAll(CARD_LIKE)) if (isLuhnValid(match[0].replace(/[ -]/g, ''))) note('a card number', match[0]);
  });
  return findings;
}

async function main(files: string[]): Promise<number> {
  const findings: Finding[] = [];
  for (const file of files) {
    const source = Bun.file(file);
    if (!(await source.exists())) {
      console.error(`test-log-secrets: cannot read ${file}`);
      return 2;
    }
    findings.push(...findSecrets(await source.text(), file));
  }
  for (const finding of findings) console.log(`${finding.file}:${finding.line}: ${finding.kind} (${finding.masked}) in: ${finding.context}`);
  if (findings.length > 0) console.log(`test-log-secrets: ${findings.length} secret(s) in the test output`);
  return findings.length > 0 ? 1 : 0;
}

if (import.meta.main) process.exit(await main(process.argv.slice(2)));
