// Acceptance: inferport in front of a fake llama-server, current and build b6097, answering and
// streaming as the real ones do (see test/support/upstream-formats/llama-cpp.ts for the source).
import { startLlamaCpp } from '../support/upstream-formats/llama-cpp';
import { describeUpstreamFormat } from './upstream-format-suite';

describeUpstreamFormat({ name: 'llama-server (current)', start: () => startLlamaCpp('current'), checksModel: false, streamOverflow: 'status', midStreamError: { beforeContent: 'status' } });
describeUpstreamFormat({ name: 'llama-server b6097 (usage on the finish chunk, stream errors after the 200)', start: () => startLlamaCpp('b6097'), checksModel: false, streamOverflow: 'event', midStreamError: { beforeContent: 'event' } });
