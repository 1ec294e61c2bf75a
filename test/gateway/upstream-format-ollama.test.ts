// Acceptance: inferport in front of a fake Ollama that answers and streams as the real one
// does (see test/support/upstream-formats/ollama.ts for the source it reproduces).
import { startOllama } from '../support/upstream-formats/ollama';
import { describeUpstreamFormat } from './upstream-format-suite';

describeUpstreamFormat({ name: 'Ollama', start: startOllama, checksModel: true, streamOverflow: 'status', midStreamError: null });
