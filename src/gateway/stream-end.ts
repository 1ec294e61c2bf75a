// How a relayed stream is settled, decided from how it ended and what it delivered. A stream
// that failed (an error event, a broken connection) before any content reached the client costs
// nothing; content that did reach the client is paid for, counted by inferport and marked
// estimated when the upstream reported no usable usage.
import type { TokenUsage } from './pricing';
import type { GenerationRequest } from './request';
import type { StreamEnd, StreamTally } from './stream-tally';
import { warnUnusableUsage } from './usage';

export interface StreamSettlement {
  /** False: release the reservation, nothing was delivered. */
  charge: boolean;
  usage: TokenUsage;
  estimated: boolean;
  statusCode: number;
  outcome: string;
}

export function settleStreamAs(end: StreamEnd, tally: StreamTally, request: GenerationRequest, upstream: string | null, requestId: string): StreamSettlement {
  if (tally.usage === null && tally.usageProblem !== null) warnUnusableUsage(upstream, requestId, tally.usageProblem);
  const usage = tally.usage ?? { promptTokens: request.promptTokensGuess, completionTokens: tally.contentChunks };
  const failed = end === 'upstream_broken' || end === 'upstream_error';
  return {
    charge: !failed || tally.contentChunks > 0,
    usage,
    estimated: tally.usage === null,
    statusCode: statusOf(end, tally),
    outcome: end === 'done' ? 'ok' : end === 'upstream_error' ? 'upstream_error_event' : end,
  };
}

function statusOf(end: StreamEnd, tally: StreamTally): number {
  if (end === 'done') return 200;
  if (end === 'client_gone') return 499;
  if (end === 'upstream_error') return tally.upstreamError?.status ?? 502;
  return 502;
}
