// Acceptance: inferport in front of a fake SGLang that answers and streams as the real one
// does (see test/support/upstream-formats/sglang.ts for the source it reproduces).
import { startSglang } from '../support/upstream-formats/sglang';
import { describeUpstreamFormat } from './upstream-format-suite';

describeUpstreamFormat({ name: 'SGLang', start: startSglang, checksModel: false, streamOverflow: 'event', midStreamError: { beforeContent: 'event' } });
