// Ollama's OpenAI compatibility layer (ollama/ollama @ fb30760996871fa9460115c753afd2c60d4ab0f7):
// - middleware/openai.go ChatWriter.writeResponse: Go's json.Marshal (compact), written as
//   fmt.Sprintf("data: %s\n\n"); the role only on the first chunk; a dedicated finish chunk
//   (openai.FinishChunk, `delta: {}`); with stream_options.include_usage the same chunk again
//   with `choices: []` and usage (openai.ToUsage: prompt_eval_count, eval_count); then
//   "data: [DONE]\n\n". `usage` is omitempty, so absent from the other chunks.
// - middleware/openai.go writeError + openai/openai.go NewError: any non-200 answer becomes
//   OpenAI's shape {"error":{"message","type","param":null,"code":null}} (json.Encoder, so with a
//   trailing newline), type invalid_request_error for 400 and not_found_error for 404; a stream
//   that fails before its first byte gets the same.
// - server/routes.go: 404 `model "x" not found, try pulling it first`; llm/llama_server.go: 400
//   for a prompt longer than the context when context shift is off.
import { SERVED_MODEL, eventStream, overflows, rawJson, startFormatUpstream, textOf, type FormatUpstream, type Generation } from './core';

const OVERFLOW = 'the prompt is longer than the context length currently available to the model; shorten the prompt, adjust the context length in settings, or use a model with a longer context length';

export function startOllama(): FormatUpstream {
  return startFormatUpstream((body, generation, scenario, errors) => {
    const fail = (status: number, type: string, message: string) => {
      errors.push({ status, message });
      return rawJson(status, `${JSON.stringify({ error: { message, type, param: null, code: null } })}\n`);
    };
    if (body.model !== SERVED_MODEL) return fail(404, 'not_found_error', `model "${body.model}" not found, try pulling it first`);
    if (overflows(generation)) return fail(400, 'invalid_request_error', OVERFLOW);
    if (body.stream !== true) return Response.json(completion(generation));

    const head = { id: `chatcmpl-${generation.id}`, object: 'chat.completion.chunk', created: generation.created, model: generation.model, system_fingerprint: 'fp_ollama' };
    const event = (value: object) => `data: ${JSON.stringify(value)}\n\n`;
    const pieces = generation.words.map((word, index) =>
      event({ ...head, choices: [{ index: 0, delta: index === 0 ? { role: 'assistant', content: word } : { content: word }, finish_reason: null }] }));
    const finish = { ...head, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] };
    pieces.push(event(finish));
    if (body.stream_options?.include_usage === true) pieces.push(event({ ...finish, choices: [], usage: usageOf(generation) }));
    pieces.push('data: [DONE]\n\n');
    return eventStream(pieces, scenario);
  });
}

const usageOf = (generation: Generation) => ({
  prompt_tokens: generation.promptTokens,
  completion_tokens: generation.words.length,
  total_tokens: generation.promptTokens + generation.words.length,
});

function completion(generation: Generation) {
  return {
    id: `chatcmpl-${generation.id}`, object: 'chat.completion', created: generation.created, model: generation.model, system_fingerprint: 'fp_ollama',
    choices: [{ index: 0, message: { role: 'assistant', content: textOf(generation) }, finish_reason: 'stop' }],
    usage: usageOf(generation),
  };
}
