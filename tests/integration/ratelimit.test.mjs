// Per-key rate limits on the request path (auth.mode = keys): the local
// buckets of one server, then two servers sharing a real Redis (Debian's
// redis-server, started here on its own port and temp folder; skipped,
// saying so, when it is not installed), and Redis killed mid-test under both
// ratelimit.on_backend_error policies. (Concurrent-stream slots are checked
// in tests/unit/security: a tiny model finishes a stream faster than a
// second request can reliably arrive.)
//
// Buckets refill continuously (a 100/min key regains one request every
// 600 ms), so a burst that takes longer than 600 ms may see that many more
// successes; the assertions allow exactly those and no more.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { createKey, freePort, greedy, startServer, waitFor } from './server_harness.mjs';

const servers = [];
after(async () => {
  // Stopped newest first: a replica sharing another's data dir goes first.
  for (const server of servers.reverse()) {
    const { code } = await server.stop();
    assert.equal(code, 0, server.logs());
  }
});

async function start(args = []) {
  const server = await startServer({ auth: 'keys', args });
  servers.push(server);
  return server;
}

const call = (server, key, path = '/v1/models') =>
  fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${key}` },
                                  signal: AbortSignal.timeout(20000) });

// `total` requests from `clients` concurrent loops, spread over `targets`;
// resolves with the statuses and how long the burst took.
async function burst(targets, key, total, clients) {
  let next = 0;
  const statuses = [];
  const started = Date.now();
  await Promise.all(Array.from({ length: clients }, async () => {
    while (next < total) {
      const i = next++;
      const res = await call(targets[i % targets.length], key);
      await res.arrayBuffer();
      statuses.push(res.status);
    }
  }));
  return { statuses, ms: Date.now() - started };
}

function expectBudget({ statuses, ms }, budget, perMinute) {
  const ok = statuses.filter((s) => s === 200).length;
  const refused = statuses.filter((s) => s === 429).length;
  const refills = Math.floor(ms / (60000 / perMinute));
  assert.equal(ok + refused, statuses.length, `only 200 and 429: ${statuses}`);
  assert.ok(ok >= budget && ok <= budget + refills,
            `${ok} successes in ${ms} ms; expected ${budget} (+${refills} refilled)`);
}

describe('local buckets', () => {
  let server;
  before(async () => { server = await start(); });

  test('a key without its own limit gets ratelimit.default_rpm: 100 of a burst of 150', async () => {
    const { key } = await createKey(server, { name: 'default', scopes: ['models:read'] });
    const result = await burst([server], key, 150, 10);
    expectBudget(result, 100, 100);
    const refused = await call(server, key);
    assert.equal(refused.status, 429);
    const retry = Number(refused.headers.get('retry-after'));
    assert.ok(Number.isInteger(retry) && retry >= 1 && retry <= 60, `Retry-After ${retry}`);
    const body = await refused.json();
    assert.equal(body.error.code, 'rate_limit_exceeded');
    assert.equal(body.error.type, 'requests');
    assert.equal(refused.headers.get('x-ratelimit-remaining-requests'), '0');
  });

  test('the x-ratelimit headers count down, and the openai client sees a 429', async () => {
    const { key } = await createKey(server, { name: 'ten', scopes: ['chat', 'models:read'],
                                              extra: ['--rpm', '3', '--tpm', '100000'] });
    for (const remaining of ['2', '1', '0']) {
      const res = await call(server, key);
      await res.arrayBuffer();
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('x-ratelimit-limit-requests'), '3');
      assert.equal(res.headers.get('x-ratelimit-remaining-requests'), remaining);
      assert.match(res.headers.get('x-ratelimit-reset-requests'), /^\d+(\.\d)?s$|^\d+m\d+s$|^\d+ms$/);
      assert.equal(res.headers.get('x-ratelimit-limit-tokens'), '100000');
      assert.ok(res.headers.has('x-ratelimit-remaining-tokens'));
      assert.ok(res.headers.has('x-ratelimit-reset-tokens'));
    }
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: key, maxRetries: 0,
                                timeout: 20000 });
    await assert.rejects(client.chat.completions.create(greedy('Hello')), (e) => {
      assert.equal(e.status, 429);
      assert.equal(e.code, 'rate_limit_exceeded');
      return true;
    });
  });

  test('a spent tokens/min budget ends a stream cleanly with "length" and the usage so far',
    async () => {
      const probe = await createKey(server, { name: 'probe', scopes: ['chat'] });
      const probeClient = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: probe.key,
                                       maxRetries: 0, timeout: 20000 });
      const params = greedy('Once upon a time', { max_tokens: 64 });
      const full = await probeClient.chat.completions.create(params);
      const prompt = full.usage.prompt_tokens;
      assert.ok(full.usage.completion_tokens > 10, 'the unlimited answer is long enough');

      const tpm = prompt + 5;
      const { key } = await createKey(server, { name: 'tpm', scopes: ['chat'],
                                                extra: ['--tpm', String(tpm)] });
      const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: key, maxRetries: 0,
                                  timeout: 20000 });
      const stream = await client.chat.completions.create({
        ...params, stream: true, stream_options: { include_usage: true } });
      let text = '';
      let finish = null;
      let usage = null;
      for await (const chunk of stream) {
        if (chunk.usage) usage = chunk.usage;
        for (const c of chunk.choices) {
          text += c.delta.content ?? '';
          finish = c.finish_reason ?? finish;
        }
      }
      assert.equal(finish, 'length');
      assert.equal(usage.prompt_tokens, prompt);
      assert.ok(usage.completion_tokens >= 5 && usage.completion_tokens < full.usage.completion_tokens,
                `cut after ${usage.completion_tokens} tokens (budget left 5 after the prompt)`);
      assert.ok(full.choices[0].message.content.startsWith(text), 'the cut text is a prefix');
      await assert.rejects(client.chat.completions.create(params), (e) => {
        assert.equal(e.status, 429);
        assert.equal(e.error?.type ?? e.type, 'tokens');
        return true;
      });
    });
});

const haveRedis = spawnSync('sh', ['-c', 'command -v redis-server']).status === 0;

describe('two servers sharing a real Redis', { skip: haveRedis ? false
  : 'redis-server not installed (scripts/install-deps installs it)' }, () => {
  let redis;
  let redisDir;
  let local;  // on_backend_error = local
  let deny;   // on_backend_error = deny, same store and Redis
  let key;

  before(async () => {
    const port = await freePort();
    redisDir = mkdtempSync(join(tmpdir(), 'citadel-redis-'));
    redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', redisDir,
                                   '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const backend = ['--set', `ratelimit.backend=redis://127.0.0.1:${port}`];
    local = await start(backend);
    deny = await start([...backend, '--set', 'ratelimit.on_backend_error=deny',
                        '--set', `store.data_dir=${local.dataDir}`]);
    ({ key } = await createKey(local, { name: 'shared', scopes: ['models:read'] }));
    await waitFor(async () => (await call(local, key)).status === 200, 10000, 'Redis to answer');
  });

  after(async () => {
    if (redis && redis.exitCode === null && redis.signalCode === null) {
      redis.kill('SIGTERM');
      await new Promise((r) => redis.once('exit', r));
    }
    if (redisDir) rmSync(redisDir, { recursive: true, force: true });
  });

  test('a burst spread over both holds the one shared budget', async () => {
    const result = await burst([local, deny], key, 150, 10);
    expectBudget({ ...result, statuses: [200, ...result.statuses] }, 100, 100);  // + the probe
    const bothRefused = await Promise.all([call(local, key), call(deny, key)]);
    assert.deepEqual(bothRefused.map((r) => r.status), [429, 429]);
  });

  test('Redis killed: local falls back to its own buckets (logged once), deny answers 503',
    async () => {
      redis.kill('SIGKILL');
      await new Promise((r) => redis.once('exit', r));
      const fresh = await createKey(local, { name: 'outage', scopes: ['models:read'] });
      for (let i = 0; i < 5; ++i) {
        const res = await call(local, fresh.key);
        await res.arrayBuffer();
        assert.equal(res.status, 200);
      }
      const downLines = local.logs().match(/"ratelimit_backend_down"/g) ?? [];
      assert.equal(downLines.length, 1, local.logs());
      const refused = await call(deny, fresh.key);
      assert.equal(refused.status, 503);
      assert.equal((await refused.json()).error.code, 'rate_limit_backend_unavailable');
    });
});
