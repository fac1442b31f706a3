// Native TLS: a CA and certificates made by the openssl CLI in a temp folder,
// the real server over HTTPS, and real clients (openssl s_client, node:tls,
// the official openai npm client trusting the test's CA).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import tls from 'node:tls';
import { MODEL_ID, startServer, waitFor } from './server_harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'citadel-tls-'));
const file = (name) => join(dir, name);
const servers = [];
const sockets = [];

function openssl(...args) {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], timeout: 20000 });
}

// A P-256 key and a certificate for it signed by `ca` with `serial`.
function issue(name, { ca, serial, usage, san }) {
  writeFileSync(file(`${name}.ext`), [
    'basicConstraints=CA:FALSE',
    `extendedKeyUsage=${usage}`,
    ...(san ? [`subjectAltName=${san}`] : []),
  ].join('\n'));
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
          '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
  openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`,
          '-set_serial', serial, '-days', '2', '-out', `${name}.pem`, '-extfile', `${name}.ext`);
}

function makeCa(name) {
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
          '-keyout', `${name}.key`, '-out', `${name}.pem`, '-subj', `/CN=${name}`, '-days', '2');
}

const SERVER_SAN = 'DNS:localhost,IP:127.0.0.1';

// Opens a TLS connection and resolves once the handshake is done (or rejects
// with the handshake's error). Every socket is destroyed in after().
function connectTls(port, options = {}) {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost',
                                 ca: readFileSync(file('ca.pem')), ...options });
    sockets.push(socket);
    socket.setTimeout(10000, () => socket.destroy(new Error('TLS connect timed out')));
    socket.once('secureConnect', () => { socket.setTimeout(0); resolve(socket); });
    socket.once('error', reject);
  });
}

// Collects what a socket receives until `until(text)` holds.
function readUntil(socket, until, what, timeoutMs = 15000) {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}: ${text}`)),
                             timeoutMs);
    const onData = (d) => {
      text += d;
      if (until(text)) {
        clearTimeout(timer);
        socket.off('data', onData);
        resolve(text);
      }
    };
    socket.on('data', onData);
    socket.once('error', (e) => { clearTimeout(timer); reject(e); });
    socket.once('end', () => { clearTimeout(timer); reject(new Error(`closed before ${what}`)); });
  });
}

// One GET over a fresh TLS connection: the status code and the certificate seen.
async function get(port, path, options = {}) {
  const socket = await connectTls(port, options);
  const serial = socket.getPeerCertificate().serialNumber;
  socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
  const text = await readUntil(socket, (t) => /\r\n\r\n/.test(t) && t.includes('}'), path);
  socket.destroy();
  return { status: Number(text.match(/^HTTP\/1\.1 (\d+)/)[1]), serial };
}

// `client`: the certificate the readiness probe presents (mutual TLS).
const readyOverTls = (client) => async (url) =>
  (await get(Number(new URL(url).port), '/ready', client)).status === 200;

function tlsArgs(extra = []) {
  return ['--set', `tls.cert=${file('cert.pem')}`, '--set', `tls.key=${file('cert.key')}`, ...extra];
}

async function start(args, client = {}) {
  const server = await startServer({ args, ready: readyOverTls(client) });
  servers.push(server);
  return server;
}

before(() => {
  makeCa('ca');
  issue('server-a', { ca: 'ca', serial: '0x1001', usage: 'serverAuth', san: SERVER_SAN });
  issue('server-b', { ca: 'ca', serial: '0x2002', usage: 'serverAuth', san: SERVER_SAN });
  issue('client', { ca: 'ca', serial: '0x3003', usage: 'clientAuth' });
  makeCa('rogue-ca');
  issue('rogue-client', { ca: 'rogue-ca', serial: '0x4004', usage: 'clientAuth' });
  copyFileSync(file('server-a.pem'), file('cert.pem'));
  copyFileSync(file('server-a.key'), file('cert.key'));
});

after(async () => {
  for (const socket of sockets) socket.destroy();
  for (const server of servers) {
    const { code } = await server.stop();
    assert.equal(code, 0, server.logs());
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('TLS', () => {
  let server;
  let port;
  before(async () => {
    server = await start(tlsArgs());
    port = Number(new URL(server.url).port);
  });

  test('the start-up line says https', () => {
    assert.match(server.url, /^https:\/\//);
  });

  test('openssl s_client: TLS 1.3 connects and TLS 1.2 is refused by default', () => {
    const run = (version) => spawnSync('openssl', [
      's_client', '-connect', `127.0.0.1:${port}`, version, '-CAfile', file('ca.pem'),
      '-verify_return_error', '-servername', 'localhost', '-brief',
    ], { input: '', encoding: 'utf8', timeout: 15000 });
    const v13 = run('-tls1_3');
    assert.equal(v13.status, 0, v13.stderr);
    assert.match(v13.stderr + v13.stdout, /Protocol version: TLSv1\.3/);
    const v12 = run('-tls1_2');
    assert.notEqual(v12.status, 0, 'TLS 1.2 must be refused');
    assert.match(v12.stderr + v12.stdout, /alert protocol version/);
  });

  test('the openai client streams a chat over HTTPS trusting the test CA', async () => {
    const script = `
      import OpenAI from 'openai';
      const client = new OpenAI({ baseURL: process.env.BASE_URL, apiKey: 'none', maxRetries: 0 });
      const stream = await client.chat.completions.create({
        model: '${MODEL_ID}', messages: [{ role: 'user', content: 'Once upon a time' }],
        temperature: 0, max_tokens: 24, stream: true, stream_options: { include_usage: true } });
      let text = ''; let chunks = 0; let finish = null; let usage = null;
      for await (const chunk of stream) {
        if (chunk.usage) usage = chunk.usage;
        for (const c of chunk.choices) {
          if (c.delta.content) { chunks += 1; text += c.delta.content; }
          finish = c.finish_reason ?? finish;
        }
      }
      const again = await client.chat.completions.create({
        model: '${MODEL_ID}', messages: [{ role: 'user', content: 'Once upon a time' }],
        temperature: 0, max_tokens: 24 });
      console.log(JSON.stringify({ text, chunks, finish, usage, again: again.choices[0].message.content }));`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: here,
      env: { ...process.env, NODE_EXTRA_CA_CERTS: file('ca.pem'), BASE_URL: `${server.url}/v1` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), 30000);
    const code = await new Promise((resolve) => child.on('exit', resolve));
    clearTimeout(killer);
    assert.equal(code, 0, err);
    const result = JSON.parse(out);
    assert.ok(result.chunks > 1, `streamed in ${result.chunks} chunks`);
    assert.equal(result.usage.completion_tokens > 0, true);
    assert.ok(['stop', 'length'].includes(result.finish));
    assert.equal(result.again, result.text, 'greedy answer the same streamed and not');
  });

  test('SIGHUP swaps the certificate for new connections while a stream stays open', async () => {
    const old = await connectTls(port);
    assert.equal(old.getPeerCertificate().serialNumber.toUpperCase(), '1001');
    const body = JSON.stringify({ model: MODEL_ID, stream: true, temperature: 0, max_tokens: 64,
                                  messages: [{ role: 'user', content: 'Once upon a time' }] });
    old.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n` +
              `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    let streamed = await readUntil(old, (t) => t.includes('data: {'), 'the first SSE chunk');

    copyFileSync(file('server-b.pem'), file('cert.pem'));
    copyFileSync(file('server-b.key'), file('cert.key'));
    const rest = readUntil(old, (t) => t.endsWith('0\r\n\r\n'), 'the end of the stream');
    server.proc.kill('SIGHUP');
    await waitFor(() => /"tls_reloaded"/.test(server.logs()), 10000, 'the tls_reloaded log line');
    const fresh = await get(port, '/health');
    assert.equal(fresh.status, 200);
    assert.equal(fresh.serial.toUpperCase(), '2002');

    streamed += await rest;
    assert.match(streamed, /data: \[DONE\]/);
    assert.equal(old.getPeerCertificate().serialNumber.toUpperCase(), '1001');
    old.write('GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n');
    const reused = await readUntil(old, (t) => t.includes('{"status"'), 'a keep-alive answer');
    assert.match(reused, /^HTTP\/1\.1 200/);

    writeFileSync(file('cert.pem'), 'not a certificate\n');
    server.proc.kill('SIGHUP');
    await waitFor(() => /"tls_reload_failed"/.test(server.logs()), 10000, 'tls_reload_failed');
    assert.match(server.logs(), /tls_reload_failed.*tls\.cert/);
    assert.equal((await get(port, '/health')).serial.toUpperCase(), '2002', 'old context kept');
    copyFileSync(file('server-a.pem'), file('cert.pem'));
    copyFileSync(file('server-a.key'), file('cert.key'));
  });
});

describe('mutual TLS', () => {
  let port;
  const clientCert = (name) => ({ cert: readFileSync(file(`${name}.pem`)),
                                  key: readFileSync(file(`${name}.key`)) });
  before(async () => {
    const server = await start(tlsArgs(['--set', `tls.client_ca=${file('ca.pem')}`,
                                        '--set', 'tls.min_version=1.2']), clientCert('client'));
    port = Number(new URL(server.url).port);
  });
  // Over TLS 1.3 the server's verdict on the client certificate arrives after
  // the client's handshake completes, so a refusal shows up as the GET failing.
  const refused = async (options, alert) => {
    await assert.rejects(get(port, '/health', options), (e) => e.code === alert);
  };

  test('a client without a certificate is refused', async () => {
    await refused({}, 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
  });

  test('a certificate from another CA is refused', async () => {
    await refused(clientCert('rogue-client'), 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA');
  });

  test('a client with a certificate from tls.client_ca is served, also over TLS 1.2', async () => {
    assert.equal((await get(port, '/health', clientCert('client'))).status, 200);
    const v12 = await get(port, '/health', { ...clientCert('client'), maxVersion: 'TLSv1.2' });
    assert.equal(v12.status, 200);
  });
});
