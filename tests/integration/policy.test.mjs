// The content policy against a real `citadel serve` and the openai client:
// DLP refuses (pii_blocked, naming types, never values) or masks a prompt
// before the model sees it; the lexicon (reloaded on SIGHUP) masks terms in
// answers or stops them with finish_reason "content_filter", streamed and
// not, with the same text either way; hits are counted in /metrics; logs
// with content on never hold a detected value.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { greedy, startServer, waitFor } from './server_harness.mjs';

const dir = mkdtempSync(join(tmpdir(), 'citadel-policy-'));
const wordsFile = join(dir, 'words.txt');
const PROMPT = 'Once upon a time';
let masking;   // dlp block, output mask
let stopping;  // dlp mask, output stop, content logged
let answer;    // the unfiltered greedy answer
let term;      // a word of it, made a lexicon term

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const termRe = () => new RegExp(`(?<![A-Za-z0-9])${escape(term)}(?![A-Za-z0-9])`, 'gi');

async function streamed(client, body) {
  const stream = await client.chat.completions.create({ ...body, stream: true });
  let text = '';
  let finish = null;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta?.content ?? '';
    finish = chunk.choices[0]?.finish_reason ?? finish;
  }
  return { text, finish };
}

before(async () => {
  writeFileSync(wordsFile, 'zzqqxx\n');
  masking = await startServer({ args: ['--set', 'dlp.mode=block', '--set',
                                       `policy.words_file=${wordsFile}`, '--set', 'policy.output=mask'] });
  const plain = await masking.client.chat.completions.create(greedy(PROMPT, { max_tokens: 32 }));
  answer = plain.choices[0].message.content;
  term = answer.match(/[A-Za-z]{4,}/)[0];
  writeFileSync(wordsFile, `# test lexicon\n${term}\n`);
  masking.proc.kill('SIGHUP');
  await waitFor(() => masking.logs().includes('policy_words_reloaded'), 10000, 'the words reload');
  stopping = await startServer({ args: ['--set', 'dlp.mode=mask', '--set',
                                        `policy.words_file=${wordsFile}`, '--set', 'policy.output=stop',
                                        '--set', 'server.log_content=true'] });
});

after(async () => {
  for (const server of [masking, stopping]) {
    if (server) assert.equal((await server.stop()).code, 0, server.logs());
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('content policy', () => {
  test('dlp block refuses a prompt with personal data, naming the types only', async () => {
    await assert.rejects(
      masking.client.chat.completions.create(greedy('my id is 11010519491231002X, call 13812345678')),
      (e) => e.status === 400 && e.code === 'pii_blocked' && /cn_id/.test(e.message) &&
             /cn_mobile/.test(e.message) && !e.message.includes('13812345678'));
  });

  test('dlp mask: the model sees the masked prompt', async () => {
    const raw = await stopping.client.chat.completions.create(greedy('call 13812345678 now'));
    const masked = await stopping.client.chat.completions.create(greedy('call 138****5678 now'));
    assert.equal(raw.usage.prompt_tokens, masked.usage.prompt_tokens);
    assert.equal(raw.choices[0].message.content, masked.choices[0].message.content);
  });

  test('output mask: the term is masked, streamed text equals the whole answer', async () => {
    const expected = answer.replace(termRe(), (m) => '*'.repeat(m.length));
    assert.notEqual(expected, answer);
    const body = greedy(PROMPT, { max_tokens: 32 });
    const whole = await masking.client.chat.completions.create(body);
    assert.equal(whole.choices[0].message.content, expected);
    const stream = await streamed(masking.client, body);
    assert.equal(stream.text, expected);
    assert.equal(stream.finish, whole.choices[0].finish_reason);
  });

  test('output stop: the answer ends before the term with content_filter', async () => {
    const cut = answer.slice(0, answer.search(termRe()));
    const body = greedy(PROMPT, { max_tokens: 32 });
    const whole = await stopping.client.chat.completions.create(body);
    assert.equal(whole.choices[0].finish_reason, 'content_filter');
    assert.equal(whole.choices[0].message.content, cut);
    const stream = await streamed(stopping.client, body);
    assert.equal(stream.finish, 'content_filter');
    assert.equal(stream.text, cut);
  });

  test('hits are counted and logs hold no detected value', async () => {
    const metrics = await (await fetch(`${masking.url}/metrics`)).text();
    const count = (kind, action) => Number(metrics.match(
      new RegExp(`citadel_policy_hits_total\\{kind="${kind}",action="${action}"\\} (\\d+)`))?.[1]);
    assert.ok(count('pii', 'block') >= 2, metrics);
    assert.ok(count('output_word', 'mask') >= 2, metrics);
    const stopMetrics = await (await fetch(`${stopping.url}/metrics`)).text();
    assert.match(stopMetrics, /citadel_policy_hits_total\{kind="output_word",action="stop"\} [1-9]/);
    assert.match(stopMetrics, /citadel_policy_hits_total\{kind="pii",action="mask"\} [1-9]/);
    assert.ok(stopping.logs().includes('"request_body"'), 'content logging is on');
    assert.ok(!stopping.logs().includes('13812345678'), 'a detected value reached the log');
  });
});
