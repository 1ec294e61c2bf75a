// A media request's usage record: the gateway's record (src/usage) with no tokens; what it
// produced is named in its ledger memo ("2 images", "2.500 s of audio").
import type { UsageRecord } from '../usage/service';
import type { MediaFlight } from './flight';

export function usageRecordOf(flight: MediaFlight, statusCode: number, outcome: string, costMicros: bigint, estimated: boolean): UsageRecord {
  return {
    id: flight.id,
    requestId: flight.requestId,
    keyId: flight.key.id,
    accountId: flight.key.accountId,
    billing: flight.key.billing,
    endpoint: flight.endpoint,
    model: flight.model,
    upstream: flight.upstream,
    statusCode,
    outcome,
    promptTokens: 0,
    completionTokens: 0,
    usageEstimated: estimated,
    costMicros,
    holdId: flight.reservation?.holdId ?? null,
    latencyMs: performance.now() - flight.startedAt,
    ttftMs: null,
    createdAtMs: flight.startedAtMs,
  };
}
