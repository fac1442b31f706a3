// SIGTERM: stop accepting, let the in-flight stream finish, exit 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { greedy, startServer } from './server_harness.mjs';

test('SIGTERM drains: the in-flight stream completes, new connections are refused, exit 0',
  async () => {
    const server = await startServer({ args: ['--shutdown-grace', '20'] });
    const stream = await server.client.chat.completions.create(
      { ...greedy('Once upon a time'), max_tokens: 60, stream: true });
    let text = '';
    let finish = null;
    let signalled = false;
    for await (const chunk of stream) {
      if (!signalled) {
        signalled = true;
        server.proc.kill('SIGTERM');
      }
      for (const c of chunk.choices) {
        text += c.delta.content ?? '';
        finish = c.finish_reason ?? finish;
      }
    }
    assert.ok(['stop', 'length'].includes(finish), `stream ended without finish_reason: ${text}`);
    const { code, signal } = await server.exited;
    assert.equal(signal, null);
    assert.equal(code, 0, server.logs());
    await assert.rejects(fetch(`${server.url}/health`));
    assert.match(server.logs(), /"event":"draining"/);
  });

test('with no model the server starts, /ready says so, /health is ok', async () => {
  const server = await startServer({ model: false });
  try {
    assert.equal((await fetch(`${server.url}/health`)).status, 200);
    const ready = await fetch(`${server.url}/ready`);
    assert.equal(ready.status, 503);
    const body = await ready.json();
    assert.ok(['no_model', 'loading'].includes(body.status));
    const list = await server.client.models.list();
    assert.equal(list.data.length, 0);
  } finally {
    assert.equal((await server.stop()).code, 0);
  }
});
