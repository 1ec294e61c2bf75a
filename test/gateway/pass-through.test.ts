// The client's bytes reach the upstream unchanged when nothing in them must change, and the
// upstream's answer reaches the client as it was written but for its usage: key order, number
// spelling (1.0, integers past 2^53) and escapes survive, which a parse and re-serialise loses.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { accountState, costMicros, formatCredits } from './account-state';
import { createCustomer, createGatewayFixture, type Customer, type GatewayFixture } from './support';

/** An upstream that keeps the text of each request and answers with the scripted text. */
function startRecordingUpstream() {
  const received: string[] = [];
  let answer = { text: '{}', type: 'application/json' };
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(request) {
      received.push(await request.text());
      return new Response(answer.text, { headers: { 'content-type': answer.type } });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    received,
    answer: (text: string, type = 'application/json') => void (answer = { text, type }),
    stop: () => server.stop(true),
  };
}

let upstream: ReturnType<typeof startRecordingUpstream>;
let fixture: GatewayFixture;
beforeAll(async () => {
  upstream = startRecordingUpstream();
  fixture = await createGatewayFixture({ upstreams: [{ name: 'recording', url: upstream.url, models: ['fake-model'] }] });
});
afterAll(async () => {
  await fixture.close();
  await upstream.stop();
});

const START_MICROS = 1_000_000n;
// What no serialiser writes: spaces, a key order of its own, 1.0, an escaped é, an integer past 2^53.
const CLIENT_BODY = '{ "messages" : [ {"role":"user", "content":"caf\\u00e9 a b"} ], "model":"fake-model", "temperature": 1.0, "seed": 12345678901234567890, "max_tokens": 50';

function post(customer: Customer, text: string): Promise<Response> {
  return fetch(`${fixture.baseUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${customer.key}`, 'content-type': 'application/json' },
    body: text,
  });
}

const SSE_ANSWER = 'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"fake-model","choices":[{"index":0,"delta":{"content":"hi"}}]}\n\ndata: [DONE]\n\n';

describe('the client\'s body reaches the upstream unchanged', () => {
  test('a request that is not streamed: byte for byte', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    upstream.answer('{"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":1}}');
    const text = `${CLIENT_BODY} }`;
    expect((await post(customer, text)).status).toBe(200);
    expect(upstream.received.at(-1)).toBe(text);
  });

  test('a stream that asks for usage itself: byte for byte', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    upstream.answer(SSE_ANSWER, 'text/event-stream');
    const text = `${CLIENT_BODY}, "stream": true, "stream_options": {"include_usage": true} }`;
    const response = await post(customer, text);
    await response.text();
    expect(upstream.received.at(-1)).toBe(text);
  });

  test('a stream without stream_options: the same bytes, with only the usage request added', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    upstream.answer(SSE_ANSWER, 'text/event-stream');
    const text = `${CLIENT_BODY}, "stream": true }`;
    await (await post(customer, text)).text();
    expect(upstream.received.at(-1)).toBe(`${CLIENT_BODY}, "stream": true ,"stream_options":{"include_usage":true}}`);
  });

  test('a body that repeats a field the reservation is read from is sent as parsed: the upstream cannot read another value', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    upstream.answer('{"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":1}}');
    // JSON.parse keeps the last max_tokens (what is reserved); a parser keeping the first would generate 4000.
    expect((await post(customer, `${CLIENT_BODY}, "max_tokens": 4000, "max_tokens": 10 }`)).status).toBe(200);
    const received = upstream.received.at(-1)!;
    expect(received.match(/"max_tokens"/g)).toHaveLength(1);
    expect(JSON.parse(received).max_tokens).toBe(10);
  });

  test('a stream with other stream_options: include_usage is merged into them', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    upstream.answer(SSE_ANSWER, 'text/event-stream');
    await (await post(customer, `${CLIENT_BODY}, "stream": true, "stream_options": {"include_usage": false, "continuous_usage_stats": true} }`)).text();
    expect(JSON.parse(upstream.received.at(-1)!).stream_options).toEqual({ include_usage: true, continuous_usage_stats: true });
  });
});

describe("the upstream's answer reaches the client as it was written, but for its usage", () => {
  const head = '{ "id": "chatcmpl-\\u0041", "object": "chat.completion", "created": 1700000000, "model": "fake-model", "choices": [{"index": 0, "message": {"role": "assistant", "content": "tok0 tok1 tok2 tok3", "score": 1.0}, "finish_reason": "stop", "token_ids": [12345678901234567890]}]';

  test('reported usage: only the usage value changes, and it carries the cost', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    const usage = '{"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}';
    upstream.answer(`${head}, "usage": ${usage}, "system_fingerprint": null }`);
    const response = await post(customer, `${CLIENT_BODY} }`);
    expect(response.headers.get('content-type')).toBe('application/json;charset=utf-8');
    const cost = formatCredits(costMicros(3, 4));
    expect(await response.text()).toBe(`${head}, "usage": ${JSON.stringify({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7, cost })}, "system_fingerprint": null }`);
    expect((await accountState(fixture, customer.accountId)).chargesMicros).toEqual([costMicros(3, 4)]);
  });

  test('no usage: the estimate is added as the last member', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    upstream.answer(`${head} }\n`);
    const response = await post(customer, `${CLIENT_BODY} }`);
    const text = await response.text();
    const usage = JSON.parse(text).usage;
    expect(usage.estimated).toBe(true);
    expect(text).toBe(`${head} ,"usage":${JSON.stringify(usage)}}\n`);
  });
});
