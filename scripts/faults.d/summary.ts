// Adds up the numbers the fault tests wrote (one JSON line per test and database, see
// test/faults/report.ts) into the report scripts/faults prints. Exits 1 when anything was lost
// beyond the requests in flight at a kill or an outage, or when a test failed.
export {};

const [reportPath, finalLine = '', seconds = '0'] = process.argv.slice(2);
const lines = (await Bun.file(reportPath!).text()).split('\n').filter(Boolean);
const entries = lines.map((line) => JSON.parse(line) as Record<string, number | string> & { test: string; database: string });

const sum = (test: string | null, field: string) =>
  entries.filter((entry) => test === null || entry.test === test).reduce((total, entry) => total + Number(entry[field] ?? 0), 0);
const databases = [...new Set(entries.map((entry) => entry.database))].length;
const propertyRuns = Number(process.env.INFERPORT_PROPERTY_RUNS ?? 0) * databases;
const modelRuns = Number(process.env.INFERPORT_MODEL_RUNS ?? 0) * databases;
const [passed, failed] = (/(\d+) passed, (\d+) failed/.exec(finalLine) ?? ['', '0', '1']).slice(1).map(Number) as [number, number];

const crashes = sum('crash-loop', 'crashes');
const faults = {
  'kill -9 of the gateway': crashes,
  'PostgreSQL connections killed': sum('pg-terminate', 'connections_killed'),
  'PostgreSQL outages': sum('pg-restart', 'outages'),
  'SQLite disk full': entries.filter((entry) => entry.test === 'sqlite-disk-full').length,
  'Redis outages': sum('redis-under-load', 'outages'),
  'upstream faults': sum('upstream', 'faults_survived'),
};
const lostOther = sum(null, 'lost_other');
const rows: [string, string | number][] = [
  ['tests', `${passed} passed, ${failed} failed (${seconds} s)`],
  ['requests driven', sum(null, 'requests')],
  ['  completed (each charged exactly once)', sum(null, 'completed')],
  ['  answered 503/507 while the database or Redis was away', sum(null, 'answered_503') + sum(null, 'answered_507')],
  ['crashes injected', crashes],
  ['faults survived', Object.values(faults).reduce((a, b) => a + b, 0)],
  ...Object.entries(faults).map(([name, count]): [string, number] => [`  ${name}`, count]),
  ['inputs tried', sum('ledger-interleavings', 'inputs_tried') + propertyRuns + modelRuns],
  ['  scheduled ledger interleavings', sum('ledger-interleavings', 'inputs_tried')],
  ['  ledger property runs', propertyRuns],
  ['  meter model runs', modelRuns],
  ['lost: in flight at a kill, served, never charged', `${sum('crash-loop', 'in_flight_uncharged')} requests (${sum('crash-loop', 'in_flight_uncharged_micros')} micro-credits)`],
  ['lost: in flight when the database went away', `${sum('pg-terminate', 'uncharged_served') + sum('pg-restart', 'uncharged_served') + sum('sqlite-disk-full', 'uncharged_served')} requests`],
  ['charged, the client never saw the end (kill between charge and last byte)', sum('crash-loop', 'charged_unseen')],
  ['lost otherwise (must be 0)', lostOther],
];
const width = Math.max(...rows.map(([name]) => name.length));
console.log('\n=== scripts/faults ===');
for (const [name, value] of rows) console.log(`${name.padEnd(width)}  ${value}`);
process.exit(lostOther === 0 && failed === 0 && passed > 0 ? 0 : 1);
