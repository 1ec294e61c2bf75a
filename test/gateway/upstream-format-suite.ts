// One acceptance suite run against every fake inference server in test/support/upstream-formats:
// what differs between servers is data (FormatCase), the assertions are the product's contract.
import { afterAll, beforeAll, beforeEach, describe } from 'bun:test';
import type { FormatUpstream } from '../support/upstream-formats/core';
import { createFormatGateway, type FormatGateway } from './upstream-format-client';
import { describeRefusals } from './upstream-format-refusals';
import { describeStreamFailures } from './upstream-format-stream-failures';
import { describeDeliveries } from './upstream-format-deliveries';

export interface FormatCase {
  name: string;
  start: () => FormatUpstream;
  /** Answers 404 for a model it does not serve; the others answer whatever the name. */
  checksModel: boolean;
  /** How a stream's context overflow shows: an HTTP error, an error event after a 200, or not at all. */
  streamOverflow: 'status' | 'event' | null;
  /** How a failure in the middle of a stream shows, when the server has one: before any token,
   * as an error event after the 200 or as an HTTP error; after some, always as an event. */
  midStreamError: { beforeContent: 'event' | 'status' } | null;
}

export function describeUpstreamFormat(formatCase: FormatCase): void {
  describe(formatCase.name, () => {
    let gateway: FormatGateway;
    beforeAll(async () => {
      gateway = await createFormatGateway(formatCase.start());
    });
    beforeEach(() => gateway.upstream.reset());
    afterAll(() => gateway.close());
    describeDeliveries(() => gateway, formatCase);
    describeStreamFailures(() => gateway, formatCase);
    describeRefusals(() => gateway, formatCase);
  });
}
