// The app's own route table (Elysia's, not a list kept by hand), a plain valid-looking body for a
// route's body schema, and a snapshot of database rows to prove a refused request changed nothing.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/db/schema';
import type { TestApp } from '../support/app';

export interface TableRoute {
  method: string;
  path: string;
  params: string[];
  body: Schema | null;
}

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  anyOf?: Schema[];
  const?: unknown;
  enum?: unknown[];
  format?: string;
  items?: Schema;
  minimum?: number;
  minItems?: number;
}

export function tableRoutes(testApp: TestApp, prefix: string): TableRoute[] {
  const routes = (testApp.app as unknown as { routes: { method: string; path: string; hooks?: { body?: Schema } }[] }).routes;
  return routes
    .filter((route) => route.path === prefix || route.path.startsWith(`${prefix}/`))
    .map((route) => ({ method: route.method, path: route.path, params: [...route.path.matchAll(/:([A-Za-z_]+)/g)].map((match) => match[1]!), body: route.hooks?.body ?? null }));
}

/** The route's path with each :param replaced by `idFor(param)`. */
export function fillPath(route: TableRoute, idFor: (param: string) => string): string {
  return route.path.replace(/:([A-Za-z_]+)/g, (_, name: string) => encodeURIComponent(idFor(name)));
}

/**
 * A body that passes the schema where it can: ids from `idFor` in every *_id field (so a route
 * that forgot whose object it writes would find one), amounts that are valid credits.
 */
export function sampleBody(schema: Schema | null, idFor: (field: string) => string | null): unknown {
  if (!schema) return undefined;
  return sampleValue(schema, '', idFor);
}

function sampleValue(schema: Schema, field: string, idFor: (field: string) => string | null): unknown {
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0];
  if (schema.anyOf) return sampleValue(schema.anyOf.find((option) => option.type !== 'null') ?? schema.anyOf[0]!, field, idFor);
  switch (schema.type) {
    case 'object':
      return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([name, property]) => [name, sampleValue(property, name, idFor)]));
    case 'array':
      return schema.items && (schema.minItems ?? 0) > 0 ? [sampleValue(schema.items, field, idFor)] : [];
    case 'integer':
    case 'number':
      return Math.max(schema.minimum ?? 1, 1);
    case 'boolean':
      return true;
    case 'string':
      if (schema.format === 'date-time') return new Date(Date.now() + 86_400_000).toISOString();
      return idFor(field) ?? (/amount|threshold|cost|balance/.test(field) ? '5' : /url/.test(field) ? 'https://example.com/hook' : 'X1');
    default:
      return null;
  }
}

/** Every row of `tables` (those of `accountId` only, when given), as comparable JSON. */
export async function snapshotRows(db: Kysely<Database>, tables: string[], accountId: string | null = null): Promise<string> {
  const out: Record<string, unknown[]> = {};
  for (const table of tables) {
    const column = table === 'accounts' ? 'id' : 'account_id';
    const where = accountId === null ? sql`` : sql` WHERE ${sql.ref(column)} = ${accountId}`;
    const rows = await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(table)}${where}`.execute(db);
    out[table] = rows.rows.map((row) => JSON.stringify(row, (_key, value) => (typeof value === 'bigint' ? String(value) : value))).sort();
  }
  return JSON.stringify(out);
}
