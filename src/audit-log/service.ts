// The admin audit log: one row per admin write that succeeded, naming the admin credential that
// made it (its configured name, never the token) and what it did. Rows are only ever appended.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { randomToken } from '../shared/ids';

export interface AdminAction {
  adminName: string;
  method: string;
  /** The route's pattern, e.g. /admin/accounts/:id/credits: what kind of write it was. */
  route: string;
  /** The path as requested, with the ids it named. */
  path: string;
  /** The object written: the route's :id, or the id of what the write created. */
  targetId: string | null;
  /** The request body (secrets left out) and the id the write answered with. */
  detail: Record<string, unknown>;
  status: number;
}

export interface AdminActionRow extends AdminAction {
  id: string;
  createdAtMs: number;
}

// A body field whose name says it holds a secret is recorded as redacted, never as its value.
const SECRET_FIELD = /token|secret|password|api_key|^key$/i;
const DETAIL_CHARS_MAX = 8000;

export async function recordAdminAction(db: Kysely<Database>, action: AdminAction, nowMs: number): Promise<void> {
  let detail = JSON.stringify(action.detail, (key, value) => (key && SECRET_FIELD.test(key) ? '[redacted]' : typeof value === 'bigint' ? String(value) : value));
  // Bodies are bounded by server.max_body_bytes; the log keeps a bounded prefix of one.
  if (detail.length > DETAIL_CHARS_MAX) detail = JSON.stringify({ truncated: detail.slice(0, DETAIL_CHARS_MAX) });
  await db
    .insertInto('admin_audit_log')
    .values({
      id: sortableId(nowMs),
      admin_name: action.adminName,
      method: action.method,
      route: action.route,
      path: action.path,
      target_id: action.targetId,
      detail,
      status: action.status,
      created_at_ms: BigInt(nowMs),
    })
    .execute();
}

let sequence = 0;

/**
 * Ids sort in the order the writes were logged (the time, then a per-process counter for writes
 * within one millisecond), so the log pages by id alone.
 */
function sortableId(nowMs: number): string {
  sequence = (sequence + 1) % 36 ** 4;
  return `adm_${nowMs.toString(36).padStart(9, '0')}${sequence.toString(36).padStart(4, '0')}${randomToken(8)}`;
}

/** Newest first; `before` is the id of the last row of the previous page. */
export async function listAdminActions(db: Kysely<Database>, page: { limit: number; before: string | null; adminName: string | null }): Promise<AdminActionRow[]> {
  let query = db.selectFrom('admin_audit_log').selectAll().orderBy('id', 'desc').limit(page.limit);
  if (page.adminName) query = query.where('admin_name', '=', page.adminName);
  if (page.before) query = query.where('id', '<', page.before);
  return (await query.execute()).map((row) => ({
    id: row.id,
    adminName: row.admin_name,
    method: row.method,
    route: row.route,
    path: row.path,
    targetId: row.target_id,
    detail: JSON.parse(row.detail) as Record<string, unknown>,
    status: Number(row.status),
    createdAtMs: Number(row.created_at_ms),
  }));
}
