// Acceptance: inferport in front of a fake vLLM (current) that answers and streams as the real one
// does (see test/support/upstream-formats/vllm.ts for the source it reproduces).
import { startVllm } from '../support/upstream-formats/vllm';
import { describeUpstreamFormat } from './upstream-format-suite';

describeUpstreamFormat({ name: 'vLLM (current)', start: startVllm, checksModel: true, streamOverflow: 'status', midStreamError: { beforeContent: 'event' } });
