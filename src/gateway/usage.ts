// Usage as the gateway records it: from the upstream's report, or estimated when it sent none.
import type { UsageRecord } from '../usage/service';
import type { TokenUsage } from './pricing';
import type { GenerationRequest } from './request';
import type { Flight } from './handler';

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

export function usageFromJson(value: unknown): { usage: TokenUsage; estimated: boolean } | null {
  const usage = value as { prompt_tokens?: unknown; completion_tokens?: unknown } | null | undefined;
  if (!usage || typeof usage.prompt_tokens !== 'number') return null;
  return { usage: { promptTokens: usage.prompt_tokens, completionTokens: Number(usage.completion_tokens ?? 0) }, estimated: false };
}

/** When an upstream reports no usage: about four bytes of text a token. */
export function estimateFromJson(request: GenerationRequest, json: Record<string, unknown>): { usage: TokenUsage; estimated: boolean } {
  const choices = Array.isArray(json.choices) ? (json.choices as Record<string, unknown>[]) : [];
  let bytes = 0;
  for (const choice of choices) {
    const text = (choice.message as { content?: unknown } | undefined)?.content ?? choice.text;
    if (typeof text === 'string') bytes += Buffer.byteLength(text);
  }
  return { usage: { promptTokens: request.promptTokensGuess, completionTokens: Math.ceil(bytes / 4) }, estimated: true };
}
