// A real Prometheus (Debian's prometheus package) scrapes /metrics and the
// series can be queried from it. Skips visibly when the binary is absent.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { greedy, MODEL_ID, startServer, waitFor } from './server_harness.mjs';

const prometheusBin = spawnSync('sh', ['-c', 'command -v prometheus']).stdout.toString().trim();

async function freePort() {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

let server;
let prometheus;
let dir;
let promUrl;

before(async () => {
  if (!prometheusBin) return;
  server = await startServer();
  dir = mkdtempSync(path.join(os.tmpdir(), 'citadel-prom-'));
  const target = new URL(server.url).host;
  writeFileSync(path.join(dir, 'prometheus.yml'), [
    'global:', '  scrape_interval: 1s', '  scrape_timeout: 1s',
    'scrape_configs:', '  - job_name: citadel', '    static_configs:',
    `      - targets: ['${target}']`, ''].join('\n'));
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  prometheus = spawn(prometheusBin, [`--config.file=${path.join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
  { stdio: 'ignore' });
});

after(async () => {
  if (prometheus) prometheus.kill('SIGTERM');
  if (server) assert.equal((await server.stop()).code, 0);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('Prometheus scrapes /metrics and the token counters can be queried',
  { skip: prometheusBin ? false : 'prometheus not installed (scripts/install-deps installs it)' },
  async () => {
    await server.client.chat.completions.create(greedy('Once upon a time'));
    await waitFor(async () => {
      const res = await (await fetch(`${promUrl}/api/v1/targets`)).json();
      return res.data.activeTargets.some((t) => t.health === 'up');
    }, 60000, 'the citadel target to be up');
    const query = encodeURIComponent(`vllm:generation_tokens_total{model_name="${MODEL_ID}"}`);
    const value = await waitFor(async () => {
      const res = await (await fetch(`${promUrl}/api/v1/query?query=${query}`)).json();
      const v = Number(res.data.result[0]?.value?.[1]);
      return v > 0 ? v : null;
    }, 30000, 'the series in Prometheus');
    assert.ok(value > 0);
    const hist = encodeURIComponent('vllm:time_to_first_token_seconds_count');
    const res = await (await fetch(`${promUrl}/api/v1/query?query=${hist}`)).json();
    assert.equal(res.status, 'success');
    assert.ok(Number(res.data.result[0].value[1]) >= 1);
  });
