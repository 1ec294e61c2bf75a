// Acceptance: inferport in front of a fake TGI that answers and streams as the real one
// does (see test/support/upstream-formats/tgi.ts for the source it reproduces).
import { startTgi } from '../support/upstream-formats/tgi';
import { describeUpstreamFormat } from './upstream-format-suite';

describeUpstreamFormat({ name: 'TGI', start: startTgi, checksModel: false, streamOverflow: 'event', midStreamError: { beforeContent: 'event' } });
