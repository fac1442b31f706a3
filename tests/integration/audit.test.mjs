// The audit trail of a real `citadel serve` (auth.mode = keys, audit.sync =
// every): every request, served or refused (no key, wrong scope, a denied
// forwarded address), has its record with the reason; the records are there
// through `citadel audit export` while the server runs; `citadel audit
// verify` passes, and names the record after someone edits it with sqlite3.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createKey, greedy, postJson, runCitadel, startServer } from './server_harness.mjs';

let server;
let keys;

before(async () => {
  server = await startServer({
    auth: 'keys',
    args: ['--set', 'audit.sync=every', '--set', 'audit.checkpoint_every=3',
           '--set', 'network.trusted_proxies=127.0.0.1', '--set', 'network.deny=10.9.9.0/24',
           '--set', 'network.refuse=403'],
  });
  keys = {
    chat: await createKey(server, { name: 'chat', scopes: ['chat'] }),
    models: await createKey(server, { name: 'models', scopes: ['models:read'] }),
  };
});

after(async () => {
  if (!server) return;
  const { code } = await server.stop();
  assert.equal(code, 0, server.logs());
});

const url = (path) => `${server.url}${path}`;
const bearer = (key) => ({ authorization: `Bearer ${key.key}` });

async function exportRecords() {
  const res = await runCitadel(['audit', 'export', '--data-dir', server.dataDir,
                                '--from', '0', '--to', '2999-01-01', '--format', 'jsonl']);
  assert.equal(res.code, 0, res.stderr);
  return res.stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

test('served and refused requests each have a record with the reason', async () => {
  const ok = await postJson(url('/v1/chat/completions'), greedy('Once upon a time'), bearer(keys.chat));
  assert.equal(ok.status, 200, ok.text);
  const okId = ok.headers.get('x-request-id');
  const noKey = await postJson(url('/v1/chat/completions'), greedy('hi'));
  assert.equal(noKey.status, 401);
  const wrongScope = await postJson(url('/v1/chat/completions'), greedy('hi'), bearer(keys.models));
  assert.equal(wrongScope.status, 403);
  const denied = await postJson(url('/v1/chat/completions'), greedy('hi'),
                                { ...bearer(keys.chat), 'x-forwarded-for': '10.9.9.7' });
  assert.equal(denied.status, 403);

  // sync = every: each response above came after its record was durable.
  const records = await exportRecords();
  const byId = (id) => records.find((r) => r.request_id === id);
  const served = byId(okId);
  assert.ok(served, `no record for ${okId}`);
  assert.equal(served.status, 200);
  assert.equal(served.route, '/v1/chat/completions');
  assert.equal(served.key_id, keys.chat.id);
  assert.equal(served.key_prefix, keys.chat.prefix.replace(/^cit_/, ''));
  assert.equal(served.model, 'tiny');
  assert.ok(served.completion_tokens > 0);
  assert.ok(served.prompt_tokens > 0);
  assert.equal(served.client_ip, '127.0.0.1');
  assert.equal(served.capture, 'none');
  assert.equal(served.prompt, '');

  const refused = (res) => byId(res.headers.get('x-request-id'));
  assert.equal(refused(noKey).status, 401);
  assert.equal(refused(noKey).reason, noKey.json.error.code);
  assert.equal(refused(noKey).key_id, null);
  assert.equal(refused(wrongScope).status, 403);
  assert.equal(refused(wrongScope).reason, 'insufficient_scope');
  assert.equal(refused(wrongScope).key_id, keys.models.id);
  assert.equal(refused(denied).status, 403);
  assert.equal(refused(denied).reason, 'address_not_allowed');
  assert.equal(refused(denied).forwarded_ip, '10.9.9.7');
  assert.equal(refused(denied).client_ip, '127.0.0.1');
  assert.ok(!JSON.stringify(records).includes(keys.chat.key), 'a key in the audit trail');

  // The export itself is on record (it appends once its output is written).
  const again = await exportRecords();
  const exported = again.find((r) => r.kind === 'admin' && r.action === 'audit.export');
  assert.ok(exported, 'the export is not audited');
  assert.match(exported.target, new RegExp(`${records.length} records`));
});

test('verify passes on the live log and names an edited record', async () => {
  const intact = await runCitadel(['audit', 'verify', '--data-dir', server.dataDir, '--json']);
  assert.equal(intact.code, 0, intact.stdout + intact.stderr);
  const verdict = JSON.parse(intact.stdout);
  assert.equal(verdict.intact, true);
  assert.equal(verdict.signatures_checked, true);
  assert.ok(verdict.records >= 5 && verdict.checkpoints >= 1, intact.stdout);

  const target = 2;
  execFileSync('sqlite3', [`${server.dataDir}/citadel.db`,
    `UPDATE audit_records SET body = replace(body, 'status=', 'status=9') WHERE seq = ${target}`]);
  const broken = await runCitadel(['audit', 'verify', '--data-dir', server.dataDir, '--json']);
  assert.notEqual(broken.code, 0);
  const named = JSON.parse(broken.stdout);
  assert.equal(named.intact, false);
  assert.equal(named.defect, 'edited');
  assert.equal(named.seq, target);
  assert.match(broken.stderr, new RegExp(`record ${target} edited`));
});
