// Acceptance: inferport in front of a fake sse-starlette (CRLF, ping comments) that answers and streams as the real one
// does (see test/support/upstream-formats/sse-starlette.ts for the source it reproduces).
import { startSseStarlette } from '../support/upstream-formats/sse-starlette';
import { describeUpstreamFormat } from './upstream-format-suite';

describeUpstreamFormat({ name: 'sse-starlette (CRLF, ping comments)', start: startSseStarlette, checksModel: false, streamOverflow: null, midStreamError: null });
