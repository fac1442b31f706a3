// Starts `citadel serve` on a free 127.0.0.1 port for a test file and stops it.
import { spawn } from 'node:child_process';
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

// `ready(url)` answers whether the server is ready (default: GET /ready is
// 200); an HTTPS server needs one that trusts the test's CA.
export async function startServer({ args = [], env = {}, model = true, ready = null } = {}) {
  const argv = ['serve', '--port', '0', ...args];
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
  const [, scheme, port] = await waitFor(
    () => stdout.match(/listening on (https?):\/\/127\.0\.0\.1:(\d+)/), 30000, 'the listening line');
  const url = `${scheme}://127.0.0.1:${port}`;
  const isReady = ready ?? (async (u) => (await fetch(`${u}/ready`)).status === 200);
  if (model) await waitFor(() => isReady(url), 60000, '/ready');
  const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: env.CITADEL_SERVER_API_KEY ?? 'none',
                              maxRetries: 0 });
  return {
    url,
    proc,
    client,
    exited,
    logs: () => stderr,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      return exited;
    },
  };
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
