// Usage as the gateway records it: from the upstream's report, or estimated when it sent none.
import type { UsageRecord } from '../usage/service';
import type { TokenUsage } from './pricing';
import type { GenerationRequest } from './request';
import type { Flight } from './flight';
import { log } from '../logs/logger';

export function usageRecord(
  flight: Flight,
  statusCode: number,
  outcome: string,
  usage: TokenUsage,
  estimated: boolean,
  costMicros: bigint,
  ttftMs: number | null,
): UsageRecord {
  return {
    id: flight.id,
    requestId: flight.requestId,
    keyId: flight.key.id,
    accountId: flight.key.accountId,
    billing: flight.key.billing,
    endpoint: flight.request.endpoint,
    model: flight.request.model,
    upstream: flight.upstream,
    statusCode,
    outcome,
    promptTokens: usage.promptTokens,
    completionTokens: usage.completionTokens,
    usageEstimated: estimated,
    costMicros,
    holdId: flight.holdId,
    latencyMs: performance.now() - flight.startedAt,
    ttftMs,
    createdAtMs: flight.startedAtMs,
  };
}

/** Usage as charged: the upstream's report, or inferport's count when it gave none it could trust. */
export interface ChargedUsage {
  usage: TokenUsage;
  estimated: boolean;
}

export type UsageReading = { kind: 'absent' } | { kind: 'reported'; usage: TokenUsage } | { kind: 'invalid'; problem: string };

/**
 * Validates an upstream's `usage`: token counts must be non-negative safe integers, or the report
 * is unusable (a negative count would make a request free, a fraction or 1e400 makes BigInt
 * throw). A missing `completion_tokens` is 0, as embeddings report none.
 */
export function readUsage(value: unknown): UsageReading {
  if (value === undefined || value === null) return { kind: 'absent' };
  if (typeof value !== 'object' || Array.isArray(value)) return { kind: 'invalid', problem: `usage is ${describeValue(value)}` };
  const { prompt_tokens: prompt, completion_tokens: completion } = value as Record<string, unknown>;
  if (!isTokenCount(prompt)) return { kind: 'invalid', problem: `prompt_tokens is ${describeValue(prompt)}` };
  if (completion !== undefined && completion !== null && !isTokenCount(completion)) {
    return { kind: 'invalid', problem: `completion_tokens is ${describeValue(completion)}` };
  }
  return { kind: 'reported', usage: { promptTokens: prompt, completionTokens: (completion as number | null | undefined) ?? 0 } };
}

function isTokenCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function describeValue(value: unknown): string {
  return typeof value === 'number' ? String(value) : String(JSON.stringify(value));
}

/** Says, once per request, that an upstream's usage was unusable and the estimate is charged instead. */
export function warnUnusableUsage(upstream: string | null, requestId: string, problem: string): void {
  log.warn(`[inferport] upstream "${upstream}" reported unusable usage for request ${requestId} (${problem}); charging the estimate`);
}

/** The usage of a non-streamed answer: validated, or estimated from its text (with a log line when unusable). */
export function usageOfAnswer(request: GenerationRequest, json: Record<string, unknown>, upstream: string, requestId: string): ChargedUsage {
  const reading = readUsage(json.usage);
  if (reading.kind === 'reported') return { usage: reading.usage, estimated: false };
  if (reading.kind === 'invalid') warnUnusableUsage(upstream, requestId, reading.problem);
  return estimateFromJson(request, json);
}

/**
 * The `usage` the client gets, once: the upstream's own object with `cost` added, or, when the
 * charge was estimated, the counted tokens marked `estimated` so SDKs still find prompt_tokens.
 * `cost` is null for plan-billed keys and then left out.
 */
export function usageForClient(endpoint: string, upstreamUsage: unknown, charged: ChargedUsage, cost: string | null): Record<string, unknown> {
  const costField = cost === null ? {} : { cost };
  if (!charged.estimated) return { ...(upstreamUsage as object), ...costField };
  const { promptTokens, completionTokens } = charged.usage;
  const completion = endpoint === 'embeddings' ? {} : { completion_tokens: completionTokens };
  return { prompt_tokens: promptTokens, ...completion, total_tokens: promptTokens + completionTokens, ...costField, estimated: true };
}

/** When an upstream reports no usage: about four bytes of text a token. */
export function estimateFromJson(request: GenerationRequest, json: Record<string, unknown>): ChargedUsage {
  const choices = Array.isArray(json.choices) ? (json.choices as Record<string, unknown>[]) : [];
  let bytes = 0;
  for (const choice of choices) {
    const text = (choice.message as { content?: unknown } | undefined)?.content ?? choice.text;
    if (typeof text === 'string') bytes += Buffer.byteLength(text);
  }
  return { usage: { promptTokens: request.promptTokensGuess, completionTokens: Math.ceil(bytes / 4) }, estimated: true };
}
