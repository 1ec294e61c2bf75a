// GET /console/usage.csv: one line per request of the account, oldest first, whatever its
// billing and outcome. cost is what the request was charged (0 for plan-billed, refused or
// failed requests), so the costs sum to the charge lines of ledger.csv; id is the usage
// record's, the same id as the request's charge line there.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { formatMicros } from '../shared/money';
import { readUsageLines, type UsagePosition } from '../usage/read';
import { csvText, type CsvPages } from './csv';
import type { ExportWindow } from './window';

const PAGE_LINES = 500;

export const USAGE_CSV_HEADER = [
  'time', 'id', 'request_id', 'key_id', 'key_name', 'billing', 'endpoint', 'model', 'status', 'outcome',
  'prompt_tokens', 'completion_tokens', 'total_tokens', 'usage_estimated', 'cost',
] as const;

export function usageCsvPages(db: Kysely<Database>, accountId: string, window: ExportWindow): CsvPages<UsagePosition> {
  return {
    header: USAGE_CSV_HEADER,
    read: async (after) => {
      const lines = await readUsageLines(db, accountId, { ...window, limit: PAGE_LINES, after });
      const last = lines.at(-1);
      return {
        lines: lines.map((line) => [
          new Date(line.createdAtMs).toISOString(),
          line.id,
          csvText(line.requestId),
          line.keyId,
          csvText(line.keyName),
          line.billing,
          line.endpoint,
          csvText(line.model),
          String(line.statusCode),
          line.outcome,
          String(line.promptTokens),
          String(line.completionTokens),
          String(line.promptTokens + line.completionTokens),
          line.usageEstimated ? 'true' : 'false',
          formatMicros(line.chargedMicros),
        ]),
        // A short page is the last; a full one may be followed by an empty one.
        next: lines.length === PAGE_LINES && last ? { createdAtMs: last.createdAtMs, id: last.id } : null,
      };
    },
  };
}
