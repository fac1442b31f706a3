// Starting and stopping the servers a benchmark talks to: `citadel serve` and
// the reference `llama-server`, each on a free 127.0.0.1 port (port 0; the
// port is read from the server's "listening on" line), ready when its health
// endpoint says so — polled, never a fixed sleep.
//
// Every server started here is killed when this process exits, also on an
// error, SIGINT or SIGTERM: start() registers the child, and the exit hooks
// (installed once, on the first start) SIGKILL whatever is still running.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Polls `fn` every 50 ms until it returns a truthy value, which it returns.
// Throws when `timeoutMs` passes first, or at once when `abort()` returns a
// reason (e.g. the server process has exited).
export async function waitFor(fn, timeoutMs, what, abort = () => null) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try { const v = await fn(); if (v) return v; } catch {}
    const reason = abort();
    if (reason) throw new Error(`${what}: ${reason}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const running = new Set();
let hooksInstalled = false;

function installExitHooks() {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => { for (const proc of running) proc.kill('SIGKILL'); });
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      console.error(`\n${signal}: stopping the servers`);
      process.exit(130);  // runs the 'exit' hook above
    });
  }
}

const tail = (text, lines = 15) => text.split('\n').slice(-lines).join('\n');

// Spawns `bin args`, waits for /listening on http://127.0.0.1:(\d+)/ on its
// stdout or stderr, then for `readyPath` to answer 200. Returns
// { name, url, model, proc, log(), stop() }; stop() sends SIGTERM and resolves
// when the process has exited.
async function start(name, bin, args, model, readyPath) {
  installExitHooks();
  const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(proc);
  let log = '';
  proc.stdout.on('data', (d) => (log += d));
  proc.stderr.on('data', (d) => (log += d));
  let exitReason = null;
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => {
    running.delete(proc);
    exitReason = `${name} exited (${signal ?? `status ${code}`}):\n${tail(log)}`;
    resolve();
  }));
  proc.on('error', (e) => (exitReason = `${name} did not start: ${e.message}`));
  const dead = () => exitReason;
  let url;
  try {
    const port = await waitFor(() => log.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/)?.[1],
      60000, `${name} to listen`, dead);
    url = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(url + readyPath)).ok, 300000, `${name} ${readyPath}`,
      dead);
  } catch (e) {
    proc.kill('SIGKILL');
    throw e;
  }
  return {
    name, url, model, proc,
    log: () => log,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}

// `citadel serve -m modelPath` with model id `alias`; `extraArgs` go last
// (e.g. ['-t', '2', '--set', 'engine.context_length=2048']). Its store is
// `dataDir` (default: a fresh temporary folder, removed by stop()); it runs
// with auth.mode = none unless extraArgs set auth.mode=keys.
export async function startCitadel(bin, modelPath, { alias = 'bench', extraArgs = [],
  dataDir = '' } = {}) {
  const dir = dataDir || mkdtempSync(join(tmpdir(), 'citadel-bench-'));
  const removeDir = () => { if (!dataDir) rmSync(dir, { recursive: true, force: true }); };
  let server;
  try {
    server = await start('citadel', bin, ['serve', '--host', '127.0.0.1', '--port', '0',
      '--data-dir', dir, '-m', modelPath, '--alias', alias, '--set', 'server.log_requests=false',
      '--set', 'auth.mode=none', ...extraArgs], alias, '/ready');
  } catch (e) {
    removeDir();
    throw e;
  }
  const stop = server.stop;
  return { ...server, dataDir: dir, async stop() { await stop(); removeDir(); } };
}

// The reference `llama-server -m modelPath`; `extraArgs` set slots, context
// and threads (e.g. ['-np', '8', '-c', '16384', '-t', '2']).
export function startReference(bin, modelPath, { extraArgs = [] } = {}) {
  return start('reference', bin, ['-m', modelPath, '--host', '127.0.0.1', '--port', '0',
    '--no-webui', ...extraArgs], 'reference', '/health');
}
