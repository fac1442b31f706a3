// deploy/nginx/citadel.conf in front of a real `citadel serve`: Debian's
// nginx runs the sample itself (only its ports, upstream and certificate
// paths substituted; each substitution must match), on loopback with a
// certificate the openssl CLI makes here, and a streamed chat comes through
// it in several reads as the server produces it. Skipped, saying so, when
// nginx is not installed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, greedy, startServer, waitFor } from './server_harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const sample = join(here, '../../deploy/nginx/citadel.conf');
const nginxBinary = ['/usr/sbin/nginx', 'nginx'].find(
  (b) => spawnSync(b, ['-v'], { stdio: 'ignore' }).status === 0);

// The sample with `from` replaced by `to`; throws when `from` is not in it,
// so the test never silently runs something other than the sample.
function substitute(text, from, to) {
  if (!text.includes(from)) throw new Error(`deploy/nginx/citadel.conf no longer has: ${from}`);
  return text.replace(from, to);
}

// POST over HTTPS (trusting `ca`); resolves with the status, headers and the
// body as the list of reads it arrived in.
function postStream(port, ca, path, body) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', ca, servername: 'localhost',
                          headers: { 'content-type': 'application/json' }, timeout: 20000 },
    (res) => {
      const reads = [];
      res.on('data', (d) => reads.push(d.toString()));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, reads }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('nginx in front of citadel', { skip: nginxBinary ? false
  : 'nginx not installed (scripts/install-deps installs it)' }, () => {
  let dir;
  let citadel;
  let nginx;
  let nginxLog = '';
  let port;
  let ca;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'citadel-nginx-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
                             '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
                             '-subj', '/CN=localhost', '-days', '2',
                             '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
                 { stdio: 'ignore', timeout: 20000 });
    ca = readFileSync(join(dir, 'cert.pem'));
    citadel = await startServer({ args: ['--set', 'network.trusted_proxies=127.0.0.1'] });
    port = await freePort();
    let conf = readFileSync(sample, 'utf8');
    conf = substitute(conf, 'server 127.0.0.1:8080;', `server ${new URL(citadel.url).host};`);
    conf = substitute(conf, 'listen 443 ssl;', `listen 127.0.0.1:${port} ssl;`);
    conf = substitute(conf, '/etc/citadel/tls/cert.pem', join(dir, 'cert.pem'));
    conf = substitute(conf, '/etc/citadel/tls/key.pem', join(dir, 'key.pem'));
    writeFileSync(join(dir, 'citadel.conf'), conf);
    mkdirSync(join(dir, 'tmp'));
    // A minimal main file around the sample: everything under `dir`.
    writeFileSync(join(dir, 'nginx.conf'), [
      'daemon off;', 'master_process off;', 'worker_processes 1;',
      `pid ${dir}/nginx.pid;`, `error_log ${dir}/error.log info;`,
      'events { worker_connections 64; }',
      'http {',
      `  access_log ${dir}/access.log;`,
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
        (t) => `  ${t}_temp_path ${dir}/tmp/${t};`),
      `  include ${dir}/citadel.conf;`,
      '}',
    ].join('\n'));
    nginx = spawn(nginxBinary, ['-p', dir, '-c', join(dir, 'nginx.conf')],
                  { stdio: ['ignore', 'pipe', 'pipe'] });
    nginx.stdout.on('data', (d) => (nginxLog += d));
    nginx.stderr.on('data', (d) => (nginxLog += d));
    await waitFor(() => new Promise((resolve) => {
      const req = request({ host: '127.0.0.1', port, path: '/health', ca, servername: 'localhost',
                            timeout: 2000 }, (res) => { res.resume(); resolve(res.statusCode === 200); });
      req.on('error', () => resolve(false));
      req.end();
    }), 20000, `nginx on ${port}: ${nginxLog}`);
  });

  after(async () => {
    if (nginx && nginx.exitCode === null && nginx.signalCode === null) {
      nginx.kill('SIGQUIT');
      await new Promise((r) => nginx.once('exit', r));
    }
    if (citadel) {
      const { code } = await citadel.stop();
      assert.equal(code, 0, citadel.logs());
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('a streamed chat arrives through nginx chunk by chunk, complete', async () => {
    const params = greedy('Once upon a time', { max_tokens: 48 });
    const direct = await citadel.client.chat.completions.create(params);
    const res = await postStream(port, ca, '/v1/chat/completions', { ...params, stream: true });
    assert.equal(res.status, 200);
    assert.match(res.headers['content-type'], /^text\/event-stream/);
    const body = res.reads.join('');
    const events = body.split('\n\n').filter((e) => e.startsWith('data: '));
    assert.equal(events.at(-1), 'data: [DONE]');
    const text = events.slice(0, -1).map((e) => JSON.parse(e.slice(6)))
      .map((c) => c.choices[0]?.delta?.content ?? '').join('');
    assert.equal(text, direct.choices[0].message.content, 'the same answer as without nginx');
    assert.ok(res.reads.length > 1, `unbuffered: ${res.reads.length} reads`);
  });

  test('citadel sees the client through the trusted proxy, and nginx speaks TLS 1.3 only', () => {
    const v12 = spawnSync('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_2'],
                          { input: '', encoding: 'utf8', timeout: 15000 });
    assert.notEqual(v12.status, 0, 'TLS 1.2 must be refused by the sample');
    assert.match(citadel.logs(), /"client":"127\.0\.0\.1"/);
  });
});
