// The OpenAI endpoints through the official openai npm client.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { greedy, MODEL_ID, postJson, startServer, waitFor } from './server_harness.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => {
  const { code } = await server.stop();
  assert.equal(code, 0, server.logs());
});

async function streamText(params) {
  const stream = await server.client.chat.completions.create({ ...params, stream: true,
    stream_options: { include_usage: true } });
  let text = '';
  let finish = null;
  let usage = null;
  let role = null;
  for await (const chunk of stream) {
    assert.match(chunk.id, /^chatcmpl-/);
    assert.equal(chunk.object, 'chat.completion.chunk');
    if (chunk.usage) usage = chunk.usage;
    for (const choice of chunk.choices) {
      if (choice.delta.role) role = choice.delta.role;
      text += choice.delta.content ?? '';
      if (choice.finish_reason) finish = choice.finish_reason;
    }
  }
  return { text, finish, usage, role };
}

describe('models', () => {
  test('list and retrieve', async () => {
    const list = await server.client.models.list();
    const ids = list.data.map((m) => m.id);
    assert.deepEqual(ids, [MODEL_ID]);
    const model = await server.client.models.retrieve(MODEL_ID);
    assert.equal(model.object, 'model');
    assert.equal(model.id, MODEL_ID);
    await assert.rejects(server.client.models.retrieve('nope'), (e) => e.status === 404);
  });
});

describe('chat completions', () => {
  test('non-streaming answer has the OpenAI shape and consistent usage', async () => {
    const res = await server.client.chat.completions.create(greedy('Once upon a time'));
    assert.match(res.id, /^chatcmpl-/);
    assert.equal(res.object, 'chat.completion');
    assert.equal(res.model, MODEL_ID);
    assert.ok(Number.isInteger(res.created));
    assert.match(res.system_fingerprint, /^fp_/);
    assert.equal(res.choices.length, 1);
    assert.equal(res.choices[0].message.role, 'assistant');
    assert.ok(res.choices[0].message.content.length > 0);
    assert.ok(['stop', 'length'].includes(res.choices[0].finish_reason));
    const u = res.usage;
    assert.ok(u.prompt_tokens > 0);
    assert.equal(u.total_tokens, u.prompt_tokens + u.completion_tokens);
    assert.ok(u.prompt_tokens_details.cached_tokens <= u.prompt_tokens);
    if (res.choices[0].finish_reason === 'length') assert.equal(u.completion_tokens, 24);
  });

  test('streamed text equals the non-streamed greedy text, usage included', async () => {
    const params = greedy('The little dog');
    const whole = await server.client.chat.completions.create(params);
    const streamed = await streamText(params);
    assert.equal(streamed.role, 'assistant');
    assert.equal(streamed.text, whole.choices[0].message.content);
    assert.equal(streamed.finish, whole.choices[0].finish_reason);
    assert.equal(streamed.usage.completion_tokens, whole.usage.completion_tokens);
    assert.equal(streamed.usage.prompt_tokens, whole.usage.prompt_tokens);
    assert.equal(streamed.usage.total_tokens,
                 streamed.usage.prompt_tokens + streamed.usage.completion_tokens);
  });

  test('content as an array of text parts equals the same string content', async () => {
    const a = await server.client.chat.completions.create(greedy('Lily went'));
    const b = await server.client.chat.completions.create({ ...greedy(''),
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Lily went' }] }] });
    assert.equal(a.choices[0].message.content, b.choices[0].message.content);
  });

  test('a stop string cuts the text and reports finish_reason stop', async () => {
    const full = (await server.client.chat.completions.create(greedy('Once upon a time',
      { max_tokens: 30 }))).choices[0].message.content;
    // A stop string from the middle of the greedy text.
    const cut = Math.floor(full.length / 2);
    const stop = full.slice(cut, cut + 3);
    assert.ok(stop.length === 3, `greedy text too short: ${JSON.stringify(full)}`);
    const res = await server.client.chat.completions.create(greedy('Once upon a time',
      { max_tokens: 30, stop: [stop, 'zzzzqqq'] }));
    const text = res.choices[0].message.content;
    assert.equal(res.choices[0].finish_reason, 'stop');
    assert.equal(text, full.slice(0, full.indexOf(stop)));
    assert.ok(!text.includes(stop));
    const streamed = await streamText(greedy('Once upon a time', { max_tokens: 30, stop }));
    assert.equal(streamed.text, text);
    assert.equal(streamed.finish, 'stop');
  });

  test('the same seed gives the same text at temperature 1', async () => {
    const params = { ...greedy('Tom had a'), temperature: 1, seed: 1234, max_tokens: 20 };
    const a = await server.client.chat.completions.create(params);
    const b = await server.client.chat.completions.create(params);
    assert.equal(a.choices[0].message.content, b.choices[0].message.content);
    const texts = new Set();
    for (const seed of [1, 2, 3, 4]) {
      const r = await server.client.chat.completions.create({ ...params, seed });
      texts.add(r.choices[0].message.content);
    }
    assert.ok(texts.size > 1, 'different seeds should give different samples');
  });

  test('16 concurrent requests each equal their solo result', async () => {
    const prompts = Array.from({ length: 16 }, (_, i) => `Story number ${i % 8}: the cat`);
    const solo = [];
    for (const p of prompts.slice(0, 8)) {
      solo.push((await server.client.chat.completions.create(greedy(p))).choices[0].message.content);
    }
    const together = await Promise.all(prompts.map((p, i) => (i % 2
      ? streamText(greedy(p)).then((r) => r.text)
      : server.client.chat.completions.create(greedy(p)).then((r) => r.choices[0].message.content))));
    together.forEach((text, i) => assert.equal(text, solo[i % 8], `request ${i}`));
  });

  test('n=2 returns two indexed choices, usage counts the prompt once', async () => {
    const res = await server.client.chat.completions.create({ ...greedy('Sam saw'), n: 2,
      temperature: 1, seed: 7 });
    assert.deepEqual(res.choices.map((c) => c.index), [0, 1]);
    const one = await server.client.chat.completions.create({ ...greedy('Sam saw'), seed: 7,
      temperature: 1 });
    assert.equal(res.usage.prompt_tokens, one.usage.prompt_tokens);
    assert.equal(res.choices[0].message.content, one.choices[0].message.content);
    const streamed = await server.client.chat.completions.create({ ...greedy('Sam saw'), n: 2,
      stream: true });
    const seen = new Set();
    for await (const chunk of streamed) chunk.choices.forEach((c) => seen.add(c.index));
    assert.deepEqual([...seen].sort(), [0, 1]);
  });

  test('logprobs with top_logprobs', async () => {
    const res = await server.client.chat.completions.create(greedy('Once upon a time',
      { max_tokens: 8, logprobs: true, top_logprobs: 3 }));
    const content = res.choices[0].logprobs.content;
    assert.equal(content.length, res.usage.completion_tokens);
    for (const entry of content) {
      assert.equal(typeof entry.token, 'string');
      assert.ok(entry.logprob <= 0);
      assert.ok(Array.isArray(entry.bytes));
      assert.equal(entry.top_logprobs.length, 3);
      // Greedy: the chosen token is the most likely one.
      assert.ok(Math.abs(entry.top_logprobs[0].logprob - entry.logprob) < 1e-5);
      assert.ok(entry.top_logprobs[0].logprob >= entry.top_logprobs[1].logprob);
    }
  });

  test('an abort mid-stream leaves the server healthy', async () => {
    // Other streams keep the engine busy so the abort lands mid-generation.
    const busy = Array.from({ length: 6 }, (_, i) => streamText(greedy(`Busy ${i}`, { max_tokens: 60 })));
    const controller = new AbortController();
    const stream = await server.client.chat.completions.create(
      { ...greedy('Once upon a time'), max_tokens: 60, stream: true }, { signal: controller.signal });
    let chunks = 0;
    try {
      for await (const _ of stream) { if (++chunks === 2) controller.abort(); }
    } catch (e) {
      assert.ok(e.name.includes('Abort'), String(e));
    }
    for (const r of await Promise.all(busy)) assert.ok(r.finish, 'busy streams complete');
    assert.equal((await fetch(`${server.url}/health`)).status, 200);
    const after = await server.client.chat.completions.create(greedy('Once upon a time'));
    assert.ok(after.choices[0].message.content.length > 0);
    // Nothing is left running once every client is done. The aborted stream's
    // handler notices the closed socket asynchronously, so wait for it.
    await waitFor(async () => {
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      return /vllm:num_requests_running\{model_name="tiny"\} 0\n/.test(metrics) &&
        /citadel_http_requests_in_flight 1\n/.test(metrics);  // 1: this /metrics request
    }, 10000, 'the aborted request to leave the server');
  });
});

describe('completions, tokenize, metrics', () => {
  test('legacy completions, streamed and not', async () => {
    const params = { model: MODEL_ID, prompt: 'Once upon a time', max_tokens: 16, temperature: 0 };
    const res = await server.client.completions.create(params);
    assert.match(res.id, /^cmpl-/);
    assert.equal(res.object, 'text_completion');
    let text = '';
    for await (const chunk of await server.client.completions.create({ ...params, stream: true })) {
      text += chunk.choices[0]?.text ?? '';
    }
    assert.equal(text, res.choices[0].text);
    const lp = await server.client.completions.create({ ...params, logprobs: 2 });
    assert.equal(lp.choices[0].logprobs.tokens.length, lp.usage.completion_tokens);
  });

  test('tokenize and detokenize round-trip', async () => {
    const tok = await postJson(`${server.url}/tokenize`, { model: MODEL_ID, prompt: 'Hello world',
      add_special_tokens: false });
    assert.equal(tok.status, 200);
    assert.ok(tok.json.tokens.length > 0);
    assert.equal(tok.json.count, tok.json.tokens.length);
    const detok = await postJson(`${server.url}/detokenize`, { model: MODEL_ID, tokens: tok.json.tokens });
    assert.equal(detok.status, 200);
    assert.equal(detok.json.prompt.trim(), 'Hello world');
  });

  test('metrics count tokens and requests', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const value = (name) => Number(text.match(new RegExp(`^${name}\\{model_name="${MODEL_ID}"\\} (\\S+)$`, 'm'))?.[1]);
    assert.ok(value('vllm:prompt_tokens_total') > 0);
    assert.ok(value('vllm:generation_tokens_total') > 0);
    assert.match(text, /vllm:time_to_first_token_seconds_bucket\{model_name="tiny",le="\+Inf"\} [1-9]/);
    assert.match(text, /# TYPE vllm:inter_token_latency_seconds histogram/);
    assert.equal(value('vllm:num_requests_running'), 0);
  });
});
