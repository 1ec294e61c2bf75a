// Acceptance: inferport in front of a fake vLLM v0.4 (flat errors, usage on the finish chunk) that answers and streams as the real one
// does (see test/support/upstream-formats/vllm-legacy.ts for the source it reproduces).
import { startVllmLegacy } from '../support/upstream-formats/vllm-legacy';
import { describeUpstreamFormat } from './upstream-format-suite';

describeUpstreamFormat({ name: 'vLLM v0.4 (flat errors, usage on the finish chunk)', start: startVllmLegacy, checksModel: true, streamOverflow: 'status', midStreamError: { beforeContent: 'event' } });
