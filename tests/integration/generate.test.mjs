// One generation loop: `citadel generate` (the CLI, through the Engine) and
// /v1/completions of the real server give the same greedy tokens for the
// same prompt and settings, token for token.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CITADEL, MODEL_ID, MODEL_PATH, postJson, startServer } from './server_harness.mjs';

const run = promisify(execFile);
let server;
before(async () => { server = await startServer(); });
after(async () => {
  const { code } = await server.stop();
  assert.equal(code, 0, server.logs());
});

test('generate --temp 0 equals /v1/completions token for token', async () => {
  const prompt = 'Once upon a time, there was a little';
  const n = 24;
  const { stdout } = await run(CITADEL, ['generate', '-m', MODEL_PATH, '-p', prompt, '-n',
    String(n), '--temp', '0', '--seed', '1', '--json', '-t', '1']);
  const cli = JSON.parse(stdout);
  const api = await server.client.completions.create({ model: MODEL_ID, prompt, max_tokens: n,
    temperature: 0, seed: 1, logprobs: 0 });
  const choice = api.choices[0];
  assert.ok(cli.tokens.length > 0);
  assert.equal(api.usage.completion_tokens - (choice.finish_reason === 'stop' ? 1 : 0),
    cli.tokens.length, 'same number of tokens (the API also counts an end-of-generation token)');
  // Token i's text: what the ids decode to with it, minus without it.
  const decode = async (ids) => (await postJson(`${server.url}/detokenize`,
    { model: MODEL_ID, tokens: ids })).json.prompt;
  assert.equal(await decode(cli.tokens), choice.text);
  assert.equal(choice.logprobs.tokens.length, cli.tokens.length);
  let before = '';
  for (let i = 0; i < cli.tokens.length; ++i) {
    const now = await decode(cli.tokens.slice(0, i + 1));
    const piece = now.slice(before.length);
    const served = choice.logprobs.tokens[i];
    assert.ok(served === piece || (i === 0 && served === ` ${piece}`),
      `token ${i}: api ${JSON.stringify(served)} vs generate ${JSON.stringify(piece)}`);
    before = now;
  }
});
