// Starts `citadel serve` on a free 127.0.0.1 port for a test file and stops it.
// Each server gets its own fresh --data-dir (removed by stop()); it runs with
// auth.mode = none unless the test asks for `auth: 'keys'`.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import OpenAI from 'openai';

export const MODEL_PATH = process.env.CITADEL_TEST_MODEL;
export const CITADEL = process.env.CITADEL_BIN;
export const MODEL_ID = 'tiny';

// Polls `fn` until it returns a truthy value (every 50 ms, up to timeoutMs).
export async function waitFor(fn, timeoutMs = 30000, what = 'condition') {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
    } catch {}
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Resolves with the child's exit, or kills it with SIGKILL after `ms`.
function exitWithin(proc, exited, ms) {
  const timer = setTimeout(() => proc.kill('SIGKILL'), ms);
  return exited.finally(() => clearTimeout(timer));
}

// `ready(url)` answers whether the server is ready (default: GET /ready is
// 200); an HTTPS server needs one that trusts the test's CA.
export async function startServer({ args = [], env = {}, model = true, ready = null,
                                    auth = 'none' } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'citadel-it-'));
  const argv = ['serve', '--port', '0', '--data-dir', dataDir, ...args];
  if (auth === 'none') argv.push('--set', 'auth.mode=none');
  if (model) argv.push('-m', MODEL_PATH, '--alias', MODEL_ID);
  const proc = spawn(CITADEL, argv, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d) => (stdout += d));
  proc.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  const cleanup = () => rmSync(dataDir, { recursive: true, force: true });
  let url;
  try {
    const [, scheme, port] = await waitFor(
      () => stdout.match(/listening on (https?):\/\/127\.0\.0\.1:(\d+)/), 30000, 'the listening line');
    url = `${scheme}://127.0.0.1:${port}`;
    const isReady = ready ?? (async (u) => (await fetch(`${u}/ready`)).status === 200);
    if (model) await waitFor(() => isReady(url), 60000, '/ready');
  } catch (e) {
    // Never leave a child behind: a live child keeps `node --test` from exiting.
    proc.kill('SIGKILL');
    await exited;
    cleanup();
    throw new Error(`${e.message}\n${stdout}\n${stderr}`);
  }
  const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'none', maxRetries: 0 });
  return {
    url,
    proc,
    client,
    exited,
    dataDir,
    stdout: () => stdout,
    logs: () => stderr,
    // SIGTERM, then SIGKILL if it has not exited within 20 s; removes the data dir.
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const result = await exitWithin(proc, exited, 20000);
      cleanup();
      return result;
    },
  };
}

// Runs `citadel ARGS` to completion (killed after 30 s); resolves with
// { code, stdout, stderr }.
export function runCitadel(args, env = {}) {
  return new Promise((resolve) => {
    execFile(CITADEL, args, { env: { ...process.env, ...env }, timeout: 30000 },
             (error, stdout, stderr) => resolve({ code: error ? (error.code ?? 1) : 0, stdout, stderr }));
  });
}

// `citadel keys create --json` on a server's store; resolves with the JSON
// (its "key" is the secret).
export async function createKey(server, { name = 'test', scopes = ['chat'], extra = [] } = {}) {
  const res = await runCitadel(['keys', 'create', '--data-dir', server.dataDir, '--json',
                                '--name', name, '--scopes', scopes.join(','), ...extra]);
  if (res.code !== 0) throw new Error(`keys create failed: ${res.stderr}`);
  return JSON.parse(res.stdout);
}

// A loopback TCP port nothing listens on right now (the kernel's pick).
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

export async function postJson(url, body, headers = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch {}
  return { status: res.status, headers: res.headers, json, text };
}

export const greedy = (content, extra = {}) => ({
  model: MODEL_ID,
  messages: [{ role: 'user', content }],
  temperature: 0,
  max_tokens: 24,
  ...extra,
});
