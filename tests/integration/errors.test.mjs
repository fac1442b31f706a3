// Every client mistake gets its 4xx OpenAI error body, never a 500; limits
// (413, 429) and authentication; the server stays healthy throughout.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createKey, greedy, MODEL_ID, postJson, startServer, waitFor } from './server_harness.mjs';

let server;
before(async () => {
  server = await startServer({ args: ['--set', 'server.max_body_bytes=65536'] });
});
after(async () => {
  const { code } = await server.stop();
  assert.equal(code, 0, server.logs());
});

function assertErrorBody(res, status, what) {
  assert.equal(res.status, status, `${what}: ${res.text}`);
  assert.ok(res.json && res.json.error, `${what}: not an error body: ${res.text}`);
  const e = res.json.error;
  for (const key of ['message', 'type', 'param', 'code']) assert.ok(key in e, `${what}: no ${key}`);
  assert.equal(typeof e.message, 'string');
  assert.ok(e.message.length > 0);
}

const chat = (extra) => ({ model: MODEL_ID, messages: [{ role: 'user', content: 'hi' }], ...extra });

describe('400 for malformed requests', () => {
  const cases = [
    ['malformed JSON', '{"model": "tiny", "messages": ['],
    ['not an object', '[1, 2, 3]'],
    ['messages missing', { model: MODEL_ID }],
    ['messages empty', chat({ messages: [] })],
    ['unknown role', chat({ messages: [{ role: 'wizard', content: 'x' }] })],
    ['content of a wrong type', chat({ messages: [{ role: 'user', content: 42 }] })],
    ['temperature of a wrong type', chat({ temperature: 'hot' })],
    ['temperature out of range', chat({ temperature: 3 })],
    ['top_p out of range', chat({ top_p: 0 })],
    ['max_tokens zero', chat({ max_tokens: 0 })],
    ['n too large', chat({ n: 100 })],
    ['stop of a wrong type', chat({ stop: 5 })],
    ['logit_bias out of range', chat({ logit_bias: { 5: 1000 } })],
    ['logit_bias token outside the vocabulary', chat({ logit_bias: { 99999999: 1 } })],
    ['top_logprobs without logprobs', chat({ top_logprobs: 2 })],
    ['prompt longer than the context', chat({ messages: [{ role: 'user', content: 'word '.repeat(3000) }] })],
  ];
  for (const [what, body] of cases) {
    test(what, async () => {
      const res = await postJson(`${server.url}/v1/chat/completions`, body);
      assertErrorBody(res, 400, what);
      assert.equal(res.json.error.type, 'invalid_request_error');
    });
  }

  test('the openai client surfaces them as BadRequestError with param', async () => {
    await assert.rejects(server.client.chat.completions.create(chat({ temperature: 9 })),
      (e) => e.status === 400 && e.param === 'temperature');
  });

  test('completions validate too', async () => {
    assertErrorBody(await postJson(`${server.url}/v1/completions`, { model: MODEL_ID }), 400, 'no prompt');
    assertErrorBody(await postJson(`${server.url}/v1/completions`,
      { model: MODEL_ID, prompt: [1, 2, 99999999] }), 400, 'token outside vocabulary');
  });
});

describe('404, 405, 413, 401', () => {
  test('unknown model', async () => {
    const res = await postJson(`${server.url}/v1/chat/completions`, chat({ model: 'no-such-model' }));
    assertErrorBody(res, 404, 'unknown model');
    assert.equal(res.json.error.code, 'model_not_found');
  });

  test('unknown route', async () => {
    assertErrorBody(await postJson(`${server.url}/v1/nothing`, {}), 404, 'unknown route');
  });

  test('wrong method', async () => {
    const res = await fetch(`${server.url}/v1/chat/completions`);
    assert.equal(res.status, 405);
    assert.ok((await res.json()).error);
  });

  test('body over the limit', async () => {
    const big = chat({ messages: [{ role: 'user', content: 'x'.repeat(200000) }] });
    assertErrorBody(await postJson(`${server.url}/v1/chat/completions`, big), 413, 'too large');
  });

  test('headers over the limit get 431 and the server carries on', async () => {
    const res = await fetch(`${server.url}/health`, { headers: { 'x-big': 'y'.repeat(40000) } })
      .catch(() => null);
    if (res) assert.equal(res.status, 431);
    assert.equal((await fetch(`${server.url}/health`)).status, 200);
  });

  test('garbage on the socket gets a 400 and does not disturb others', async () => {
    const reply = await new Promise((resolve, reject) => {
      const socket = net.connect(Number(new URL(server.url).port), '127.0.0.1');
      let data = '';
      socket.on('data', (d) => (data += d));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
      socket.write('THIS IS NOT HTTP\r\n\r\n');
    });
    assert.match(reply, /^HTTP\/1\.1 400/);
    assert.equal((await fetch(`${server.url}/health`)).status, 200);
  });
});

describe('authentication and overload', () => {
  test('an api key is required under auth.mode = keys', async () => {
    const keyed = await startServer({ auth: 'keys' });
    try {
      const res = await fetch(`${keyed.url}/v1/models`);
      assert.equal(res.status, 401);
      const { key } = await createKey(keyed, { scopes: ['models:read'] });
      const list = await keyed.client.withOptions({ apiKey: key }).models.list();
      assert.equal(list.data[0].id, MODEL_ID);
      assert.equal((await fetch(`${keyed.url}/health`)).status, 200);
    } finally {
      assert.equal((await keyed.stop()).code, 0);
    }
  });

  test('429 with Retry-After when the queue is full', async () => {
    const small = await startServer({ args: ['--set', 'engine.max_queue=1', '--set',
      'engine.max_running=1'] });
    try {
      const body = greedy('Once upon a time', { max_tokens: 60 });
      const results = await Promise.all(Array.from({ length: 24 },
        () => postJson(`${small.url}/v1/chat/completions`, body)));
      const statuses = results.map((r) => r.status);
      assert.ok(statuses.includes(200), statuses.join(','));
      const refused = results.filter((r) => r.status === 429);
      assert.ok(refused.length > 0, statuses.join(','));
      for (const r of refused) {
        assertErrorBody(r, 429, 'queue full');
        assert.ok(Number(r.headers.get('retry-after')) > 0);
      }
      assert.ok(statuses.every((s) => s === 200 || s === 429), statuses.join(','));
    } finally {
      assert.equal((await small.stop()).code, 0);
    }
  });

  test('past max_connections new connections get 503; closing one lets others in', async () => {
    const small = await startServer({ model: false, args: ['--set', 'server.max_connections=2'] });
    const port = Number(new URL(small.url).port);
    const open = () => new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
      socket.on('error', reject);
    });
    try {
      const held = [await open(), await open()];
      // The server accepts in arrival order: both held sockets count first.
      const res = await fetch(`${small.url}/health`);
      assert.equal(res.status, 503);
      assert.equal((await res.json()).error.code, 'too_many_connections');
      held.forEach((s) => s.destroy());
      await waitFor(async () => (await fetch(`${small.url}/health`)).status === 200, 10000,
        'a free connection slot');
    } finally {
      assert.equal((await small.stop()).code, 0);
    }
  });
});
