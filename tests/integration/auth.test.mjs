// API keys on the request path (auth.mode = keys), through the official
// openai client against a real `citadel serve` with a fresh --data-dir:
// the key matrix (no key, malformed, unknown, revoked while a stream is
// open, expired, wrong scope, wrong model), x-api-key, /v1/models filtered
// by the key's models, open health routes, and no key in the logs.
//
// Every request has a deadline (the client's timeout, AbortSignal.timeout
// for fetch) and the server is stopped in after(), so `node --test` exits.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { createKey, greedy, MODEL_ID, runCitadel, startServer, waitFor } from './server_harness.mjs';

let server;
const keys = {};

before(async () => {
  server = await startServer({ auth: 'keys' });
  keys.chat = await createKey(server, { name: 'chat', scopes: ['chat', 'models:read'] });
  keys.chatOnly = await createKey(server, { name: 'chat-only', scopes: ['chat'] });
  keys.modelsOnly = await createKey(server, { name: 'models-only', scopes: ['models:read'] });
  keys.other = await createKey(server, { name: 'other-model', scopes: ['chat', 'models:read'],
                                         extra: ['--models', 'other'] });
});

after(async () => {
  if (!server) return;
  const { code } = await server.stop();
  assert.equal(code, 0, server.logs());
});

const clientWith = (apiKey) =>
  new OpenAI({ baseURL: `${server.url}/v1`, apiKey, maxRetries: 0, timeout: 20000 });

const get = (path, headers = {}) =>
  fetch(`${server.url}${path}`, { headers, signal: AbortSignal.timeout(20000) });

// The openai client's error for an OpenAI error body with this status/type/code.
const refused = (status, type, code) => (e) => {
  assert.equal(e.status, status, String(e));
  assert.equal(e.type, type, String(e));
  assert.equal(e.code, code, String(e));
  assert.ok(typeof e.message === 'string' && e.message.length > 0);
  return true;
};

describe('401 for a key that is not good', () => {
  test('no key at all gets the OpenAI error body', async () => {
    const res = await get('/v1/models');
    assert.equal(res.status, 401);
    const body = await res.json();
    assert.equal(body.error.type, 'invalid_request_error');
    assert.equal(body.error.code, 'invalid_api_key');
    assert.ok('param' in body.error);
    assert.match(body.error.message, /Missing API key/);
  });

  test('a malformed key', async () => {
    await assert.rejects(clientWith('sk-not-a-citadel-key').models.list(),
                         refused(401, 'invalid_request_error', 'invalid_api_key'));
  });

  test('an unknown key', async () => {
    await assert.rejects(clientWith(`cit_${'A'.repeat(43)}`).chat.completions.create(greedy('hi')),
                         refused(401, 'invalid_request_error', 'invalid_api_key'));
  });

  test('an expired key', async () => {
    const short = await createKey(server, { name: 'short', scopes: ['models:read'],
                                            extra: ['--expires', '1s'] });
    // Polled with a deadline: the key expires one second after it was made.
    const body = await waitFor(async () => {
      const res = await get('/v1/models', { authorization: `Bearer ${short.key}` });
      const json = await res.json();
      return res.status === 401 && /expired/.test(json.error.message) ? json : null;
    }, 10000, 'the key to expire');
    assert.equal(body.error.code, 'invalid_api_key');
  });

  test('a key revoked while its stream is open: the stream finishes, the next request fails',
       async () => {
    const doomed = await createKey(server, { name: 'doomed', scopes: ['chat'] });
    const client = clientWith(doomed.key);
    const stream = await client.chat.completions.create(
      greedy('Once upon a time', { stream: true, max_tokens: 60 }));
    const iterator = stream[Symbol.asyncIterator]();
    const first = await iterator.next();
    assert.equal(first.done, false);
    const revoke = await runCitadel(['keys', 'revoke', String(doomed.id), '--data-dir',
                                     server.dataDir]);
    assert.equal(revoke.code, 0, revoke.stderr);
    // Another process revoked it: the server sees it within its poll interval.
    await waitFor(async () => {
      const res = await get('/v1/models', { 'x-api-key': doomed.key });
      return res.status === 401;
    }, 10000, 'the revoke to take effect');
    await assert.rejects(client.chat.completions.create(greedy('again')),
                         refused(401, 'invalid_request_error', 'invalid_api_key'));
    let finish = null;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      finish = next.value.choices[0]?.finish_reason ?? finish;
    }
    assert.ok(finish === 'stop' || finish === 'length', `stream ended with ${finish}`);
  });
});

describe('403 for what the key may not do', () => {
  test('a key without the chat scope cannot chat', async () => {
    await assert.rejects(clientWith(keys.modelsOnly.key).chat.completions.create(greedy('hi')),
                         refused(403, 'permission_error', 'insufficient_scope'));
  });

  test('a key without models:read cannot list models', async () => {
    await assert.rejects(clientWith(keys.chatOnly.key).models.list(),
                         refused(403, 'permission_error', 'insufficient_scope'));
  });

  test('a key limited to other models cannot use this one', async () => {
    await assert.rejects(clientWith(keys.other.key).chat.completions.create(greedy('hi')),
                         refused(403, 'permission_error', 'model_not_allowed'));
  });
});

describe('good keys', () => {
  test('a chat key chats through the openai client', async () => {
    const reply = await clientWith(keys.chat.key).chat.completions.create(greedy('Once'));
    assert.equal(reply.object, 'chat.completion');
    assert.ok(reply.choices[0].message.content.length > 0);
  });

  test('/v1/models lists only the models the key may use', async () => {
    const all = await clientWith(keys.chat.key).models.list();
    assert.deepEqual(all.data.map((m) => m.id), [MODEL_ID]);
    const limited = await clientWith(keys.other.key).models.list();
    assert.deepEqual(limited.data, []);
    const res = await get(`/v1/models/${MODEL_ID}`, { authorization: `Bearer ${keys.other.key}` });
    assert.equal(res.status, 404);
  });

  test('x-api-key is accepted like Authorization: Bearer', async () => {
    const res = await get('/v1/models', { 'x-api-key': keys.chat.key });
    assert.equal(res.status, 200);
    assert.equal((await res.json()).data[0].id, MODEL_ID);
  });

  test('/health, /ready and /metrics need no key', async () => {
    for (const path of ['/health', '/ready', '/metrics']) {
      assert.equal((await get(path)).status, 200, path);
    }
  });

  test('no key secret appears in the server log', () => {
    for (const { key } of Object.values(keys)) assert.ok(!server.logs().includes(key));
  });
});
