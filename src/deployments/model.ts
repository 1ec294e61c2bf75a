// Deployments: the domain type, its row mapping, and the wire shapes of the admin and console
// routes. Credits are decimal strings of credits; times are ISO 8601 (UTC).
import { t } from 'elysia';
import type { Selectable } from 'kysely';
import type { DeploymentStatus, DeploymentsTable } from '../db/schema';
import { formatMicros } from '../shared/money';

export const HOUR_MS = 3_600_000;

/** The UTC clock hour a moment falls in: what a deployment is billed by. */
export const hourIndexOf = (ms: number) => Math.floor(ms / HOUR_MS);

export interface Deployment {
  id: string;
  accountId: string;
  model: string;
  instanceType: string;
  upstreamUrl: string;
  perHourMicros: bigint;
  status: DeploymentStatus;
  startedAtMs: number;
  pausedAtMs: number | null;
  stoppedAtMs: number | null;
}

/** What a deployment was billed so far: its charged hours and their sum. */
export interface DeploymentBilled {
  hours: number;
  chargedMicros: bigint;
}

const nullableNumber = (value: bigint | null) => (value === null ? null : Number(value));

export function rowToDeployment(row: Selectable<DeploymentsTable>): Deployment {
  return {
    id: row.id,
    accountId: row.account_id,
    model: row.model,
    instanceType: row.instance_type,
    upstreamUrl: row.upstream_url,
    perHourMicros: BigInt(row.per_hour_micros),
    status: row.status,
    startedAtMs: Number(row.started_at_ms),
    pausedAtMs: nullableNumber(row.paused_at_ms),
    stoppedAtMs: nullableNumber(row.stopped_at_ms),
  };
}

const credits = (description: string) => t.String({ pattern: '^\\d+\\.\\d{6}$', description });
const time = (description: string) => t.Union([t.String({ format: 'date-time', description }), t.Null()]);

export const deploymentSchema = t.Object({
  object: t.Literal('deployment'),
  id: t.String(),
  account_id: t.String(),
  model: t.String(),
  instance_type: t.String(),
  upstream_url: t.String(),
  status: t.Union([t.Literal('running'), t.Literal('paused'), t.Literal('stopped')]),
  per_hour: credits('Credits each started UTC clock hour costs (the price when it started)'),
  hours_charged: t.Integer({ minimum: 0 }),
  charged: credits('Credits charged for it so far'),
  started_at: t.String({ format: 'date-time' }),
  paused_at: time('When the wallet could not pay its hour (null while running or stopped after running)'),
  stopped_at: time('When it was stopped'),
});

export const deploymentListSchema = t.Object({ object: t.Literal('list'), data: t.Array(deploymentSchema) });

export const deploymentIdParams = t.Object({ id: t.String({ minLength: 1, maxLength: 64 }) });

export const startDeploymentBody = t.Object(
  {
    account_id: t.String({ minLength: 1, maxLength: 64 }),
    model: t.String({ minLength: 1, maxLength: 200, description: 'The model name requests use; routed, for this account only, to upstream_url' }),
    instance_type: t.String({ minLength: 1, maxLength: 100, description: 'A configured [instance_types.<name>]' }),
    upstream_url: t.String({ minLength: 1, maxLength: 2000, description: 'The http(s) base URL of the inference server (OpenAI-compatible; /v1/... is added)' }),
  },
  { additionalProperties: false },
);

export function deploymentJson(deployment: Deployment, billed: DeploymentBilled): typeof deploymentSchema.static {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    object: 'deployment',
    id: deployment.id,
    account_id: deployment.accountId,
    model: deployment.model,
    instance_type: deployment.instanceType,
    upstream_url: deployment.upstreamUrl,
    status: deployment.status,
    per_hour: formatMicros(deployment.perHourMicros),
    hours_charged: billed.hours,
    charged: formatMicros(billed.chargedMicros),
    started_at: new Date(deployment.startedAtMs).toISOString(),
    paused_at: iso(deployment.pausedAtMs),
    stopped_at: iso(deployment.stoppedAtMs),
  };
}
