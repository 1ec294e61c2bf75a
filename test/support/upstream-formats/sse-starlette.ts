// A Python OpenAI-compatible server that streams through sse-starlette's EventSourceResponse
// with its defaults (sysid/sse-starlette @ d45e48299bca):
// - sse_starlette/event.py ServerSentEvent.encode: `data: <line>` + sep per line, then sep,
//   where DEFAULT_SEPARATOR is "\r\n": every event ends "\r\n\r\n".
// - sse_starlette/sse.py _ping: every 15 s (DEFAULT_PING_INTERVAL) a comment
//   `: ping - <datetime.now(timezone.utc)>` + sep + sep, i.e. ": ping - 2026-01-08 14:02:49.123456+00:00\r\n\r\n"
//   (here once between two tokens, and once right before [DONE]).
// The chunks themselves are OpenAI's shapes (as such shims forward them), with the usage chunk
// when include_usage is asked; it checks nothing, so it has no error scenarios of its own.
import { eventStream, startFormatUpstream, textOf, type FormatUpstream, type Generation } from './core';

const SEP = '\r\n';
const PING = `: ping - 2026-01-08 14:02:49.123456+00:00${SEP}${SEP}`;

export function startSseStarlette(): FormatUpstream {
  return startFormatUpstream((body, generation, scenario) => {
    if (body.stream !== true) return Response.json(completion(generation));
    const head = { id: `chatcmpl-${generation.id}`, object: 'chat.completion.chunk', created: generation.created, model: generation.model };
    const event = (value: object | string) => `data: ${typeof value === 'string' ? value : JSON.stringify(value)}${SEP}${SEP}`;
    const pieces = generation.words.map((word, index) =>
      event({ ...head, choices: [{ index: 0, delta: index === 0 ? { role: 'assistant', content: word } : { content: word }, finish_reason: null }] }));
    if (pieces.length > 1) pieces.splice(1, 0, PING);
    pieces.push(event({ ...head, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }));
    if (body.stream_options?.include_usage === true) pieces.push(event({ ...head, choices: [], usage: usageOf(generation) }));
    pieces.push(PING, event('[DONE]'));
    return eventStream(pieces, scenario, { 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
  });
}

const usageOf = (generation: Generation) => ({
  prompt_tokens: generation.promptTokens,
  completion_tokens: generation.words.length,
  total_tokens: generation.promptTokens + generation.words.length,
});

function completion(generation: Generation) {
  return {
    id: `chatcmpl-${generation.id}`, object: 'chat.completion', created: generation.created, model: generation.model,
    choices: [{ index: 0, message: { role: 'assistant', content: textOf(generation) }, finish_reason: 'stop' }],
    usage: usageOf(generation),
  };
}
