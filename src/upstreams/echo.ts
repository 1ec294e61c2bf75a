// The built-in echo upstream ([[upstreams]] url = "echo:"): answers chat and text completions
// (streamed or not) and embeddings in OpenAI's format from inside this process, so that a box
// with no inference server yet can make a real, billed request. The reply repeats the last user
// message (the prompt, for completions), cut at max_tokens; a token is a whitespace-separated
// word, and the usage it reports counts them: prompt_tokens the words of every message,
// completion_tokens the words it replied. Off unless the config names it.
import { firstInteger, lastUserText, messageTexts, stringsOf, wordsOf } from './echo-request';
import { echoStream, usageOf, type EchoCompletion } from './echo-stream';

type Body = Record<string, unknown>;

export function answerEcho(path: string, text: string): Response {
  let body: Body;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    body = parsed as Body;
  } catch {
    return echoError(400, 'The request body must be a JSON object.');
  }
  if (path === '/v1/embeddings') return Response.json(embeddingsOf(body));
  if (path !== '/v1/chat/completions' && path !== '/v1/completions') return echoError(404, `The echo upstream does not serve ${path}.`);
  const completion = completionOf(path === '/v1/chat/completions' ? 'chat.completion' : 'text_completion', body);
  if (body.stream === true) return echoStream(completion);
  return Response.json(completionJson(completion));
}

function completionOf(object: EchoCompletion['object'], body: Body): EchoCompletion {
  const prompts = object === 'chat.completion' ? messageTexts(body.messages) : stringsOf(body.prompt);
  const reply = object === 'chat.completion' ? lastUserText(body.messages) : prompts.join(' ');
  const all = wordsOf(reply);
  const limit = firstInteger(body.max_completion_tokens, body.max_tokens) ?? all.length;
  const words = all.slice(0, Math.max(0, limit));
  const streamOptions = body.stream_options as { include_usage?: unknown } | undefined;
  return {
    id: `${object === 'chat.completion' ? 'chatcmpl' : 'cmpl'}-echo-${crypto.randomUUID()}`,
    created: Math.floor(Date.now() / 1000),
    model: typeof body.model === 'string' ? body.model : 'echo',
    object,
    words,
    promptTokens: prompts.reduce((sum, prompt) => sum + wordsOf(prompt).length, 0),
    finishReason: words.length < all.length ? 'length' : 'stop',
    includeUsage: streamOptions?.include_usage === true,
  };
}

function completionJson(completion: EchoCompletion) {
  const content = completion.words.join(' ');
  const choice =
    completion.object === 'chat.completion'
      ? { index: 0, message: { role: 'assistant', content }, finish_reason: completion.finishReason, logprobs: null }
      : { index: 0, text: content, finish_reason: completion.finishReason, logprobs: null };
  const { id, object, created, model } = completion;
  return { id, object, created, model, choices: [choice], usage: usageOf(completion) };
}

/** A small deterministic vector per input (its words' lengths folded in), and the words as usage. */
function embeddingsOf(body: Body) {
  const inputs = stringsOf(body.input);
  const tokens = inputs.reduce((sum, input) => sum + wordsOf(input).length, 0);
  const data = inputs.map((input, index) => ({ object: 'embedding', index, embedding: vectorOf(input) }));
  return { object: 'list', model: typeof body.model === 'string' ? body.model : 'echo', data, usage: { prompt_tokens: tokens, total_tokens: tokens } };
}

function vectorOf(input: string): number[] {
  const vector = new Array<number>(8).fill(0);
  for (let index = 0; index < input.length; index++) vector[index % 8]! += input.charCodeAt(index) / 1000;
  return vector.map((value) => Math.round(value * 1e6) / 1e6);
}

function echoError(status: number, message: string): Response {
  return Response.json({ error: { message, type: 'invalid_request_error', param: null, code: null } }, { status });
}
