// The admin REST API (/admin/v1/) against a real `citadel serve` with a
// fresh --data-dir: a user and a key created over HTTP, the key used by the
// official openai client, listed without its secret, revoked, refused.
// Every request has a deadline and the server is stopped in after().
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { createKey, greedy, MODEL_ID, startServer } from './server_harness.mjs';

let server;
let adminKey;

before(async () => {
  server = await startServer({ auth: 'keys' });
  ({ key: adminKey } = await createKey(server, { name: 'root', scopes: ['admin'],
                                                 extra: ['--user', 'admin'] }));
});

after(async () => {
  if (!server) return;
  const { code } = await server.stop();
  assert.equal(code, 0, server.logs());
});

async function admin(method, path, body, key = adminKey) {
  const res = await fetch(`${server.url}/admin/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(20000),
  });
  return { status: res.status, json: await res.json() };
}

const clientWith = (apiKey) =>
  new OpenAI({ baseURL: `${server.url}/v1`, apiKey, maxRetries: 0, timeout: 20000 });

describe('admin API', () => {
  test('create a user and a key, use it with the openai client, list it, revoke it', async () => {
    const user = await admin('POST', '/users', { name: 'team-a', display_name: 'Team A' });
    assert.equal(user.status, 201, JSON.stringify(user.json));
    assert.equal(user.json.role, 'user');
    assert.ok(user.json.password.length >= 8, 'a generated password is shown once');

    const created = await admin('POST', '/keys', { name: 'team-a app', user: 'team-a',
                                                   scopes: ['chat', 'models:read'],
                                                   models: [MODEL_ID] });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const { id, key } = created.json;
    assert.match(key, /^cit_[0-9A-Za-z]{43}$/);
    assert.equal(created.json.owner, 'team-a');

    const client = clientWith(key);
    const reply = await client.chat.completions.create(greedy('Once upon a time'));
    assert.ok(reply.choices[0].message.content.length > 0);
    assert.deepEqual((await client.models.list()).data.map((m) => m.id), [MODEL_ID]);

    const listed = await admin('GET', '/keys?user=team-a');
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.json.data.map((k) => k.id), [id]);
    assert.ok(!('key' in listed.json.data[0]), 'the secret is never listed');
    assert.equal((await admin('GET', `/keys/${id}`)).json.last_used_ip, '127.0.0.1');

    const revoked = await admin('POST', `/keys/${id}/revoke`);
    assert.equal(revoked.status, 200);
    assert.equal(revoked.json.revoked, true);
    await assert.rejects(client.chat.completions.create(greedy('again')),
                         (e) => e.status === 401 && e.code === 'invalid_api_key');
  });

  test('users: list, show, disable stops their keys, enable restores them', async () => {
    await admin('POST', '/users', { name: 'team-b', password: 'a long password' });
    const { json: { key } } = await admin('POST', '/keys', { name: 'b', user: 'team-b',
                                                             scopes: ['models:read'] });
    const names = (await admin('GET', '/users')).json.data.map((u) => u.name);
    assert.ok(names.includes('admin') && names.includes('team-b'), names.join());
    assert.equal((await admin('GET', '/users/team-b')).json.disabled, false);
    assert.equal((await admin('POST', '/users/team-b/disable')).json.disabled, true);
    await assert.rejects(clientWith(key).models.list(), (e) => e.status === 401);
    assert.equal((await admin('POST', '/users/team-b/enable')).json.disabled, false);
    assert.equal((await clientWith(key).models.list()).data.length, 1);
  });

  test('mistakes get a clear status and message', async () => {
    const badJson = await admin('POST', '/keys', '{"name": ');
    assert.equal(badJson.status, 400);
    assert.match(badJson.json.error.message, /Malformed JSON/);
    const noScopes = await admin('POST', '/keys', { name: 'x' });
    assert.equal(noScopes.status, 400);
    assert.equal(noScopes.json.error.param, 'scopes');
    assert.equal((await admin('POST', '/users', { name: 'team-a' })).status, 409);
    assert.equal((await admin('GET', '/users/nobody')).status, 404);
    assert.equal((await admin('GET', '/keys/424242')).status, 404);
    assert.equal((await admin('DELETE', '/keys')).status, 405);
  });

  test('only an admin key may use it', async () => {
    const { key } = await createKey(server, { name: 'chatter', scopes: ['chat'] });
    const res = await admin('GET', '/keys', undefined, key);
    assert.equal(res.status, 403);
    assert.equal(res.json.error.code, 'insufficient_scope');
    const none = await fetch(`${server.url}/admin/v1/keys`, { signal: AbortSignal.timeout(20000) });
    assert.equal(none.status, 401);
  });
});
