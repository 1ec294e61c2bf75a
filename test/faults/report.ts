// The numbers a fault test measured: printed on one line, and appended as JSON to the file named
// by INFERPORT_FAULTS_REPORT (scripts/faults adds them up). Losses are printed, never left out.
import { appendFileSync } from 'node:fs';
import { TEST_DB_KIND } from '../support/env';

export const LONG_FAULTS = process.env.INFERPORT_LONG_FAULTS === '1';

export type FaultNumbers = Record<string, number | string>;

export function reportFaults(test: string, numbers: FaultNumbers): void {
  const line = Object.entries(numbers).map(([name, value]) => `${name}=${value}`).join(' ');
  console.log(`[faults] ${test} (${TEST_DB_KIND}): ${line}`);
  const file = process.env.INFERPORT_FAULTS_REPORT;
  if (file) appendFileSync(file, `${JSON.stringify({ test, database: TEST_DB_KIND, ...numbers })}\n`);
}
