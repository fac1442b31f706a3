#!/usr/bin/env node
// Serving benchmark (issue #6): Citadel's `citadel serve` side by side with the
// reference `llama-server -np N`, on the same model, threads, context per slot
// and workload, one server at a time. For each server it measures
//   1. aggregate generation throughput with N concurrent streaming clients
//      (completion tokens over the phase's wall time);
//   2. single-stream throughput (one client, requests one after another);
//   3. time to first token p50/p99 under the N clients;
//   4. prefix cache: TTFT of a request sharing a ~1,000-token system prompt
//      with the previous one, over the TTFT of that first (cold) request;
// and prints a table (metric, citadel, reference, ratio, target) and writes
// the figures as JSON.
//
//   node bench/serving/serving.mjs --citadel build/citadel --model-path M.gguf \
//        [--reference /path/to/llama-server] [--json OUT.json]
// Options (defaults): --threads 2 --clients 8 --requests 2 (per client)
//   --single 3 (single-stream requests) --max-tokens 64 --ctx 2048 (per slot)
//   --prompt-words 40 --prefix-tokens 1000 --timeout-s 300 (per request)
//   --citadel-args '...' --reference-args '...' (extra server flags, split on spaces)
//   --auth none|keys|both (citadel's auth.mode; keys: the bench creates an API key
//   in the server's fresh store and sends it; both: citadel is measured with
//   auth.mode = none and keys in the same run, --rounds R times in alternating
//   order, and the median keys/none ratios are printed)
//
// Requests go to /v1/completions with stream: true, temperature 0,
// ignore_eos: true (both servers accept it) and a fixed max_tokens, so both
// generate the same number of tokens; counts come from the final `usage`
// chunk and are checked against max_tokens. Exits non-zero when a request
// fails or a server generated a different number of tokens than asked.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startCitadel, startReference } from '../lib/servers.mjs';
import { sseData } from '../lib/sse.mjs';
import { percentile } from '../lib/stats.mjs';

const NUMERIC = ['threads', 'clients', 'requests', 'single', 'maxTokens', 'ctx', 'promptWords',
  'prefixTokens', 'timeoutS', 'rounds'];

function parseArgs(argv) {
  const opts = { citadel: 'build/citadel', reference: '', modelPath: '', json: '',
    citadelArgs: '', referenceArgs: '', threads: 2, auth: 'none', rounds: 1,
    clients: 8, requests: 2, single: 3, maxTokens: 64, ctx: 2048, promptWords: 40,
    prefixTokens: 1000, timeoutS: 300 };
  for (let i = 2; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '').replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (!(key in opts) || argv[i + 1] === undefined) throw new Error(`bad option ${argv[i]}`);
    opts[key] = NUMERIC.includes(key) ? Number(argv[i + 1]) : argv[i + 1];
  }
  if (!opts.modelPath) throw new Error('--model-path is required');
  if (!['none', 'keys', 'both'].includes(opts.auth)) throw new Error(`bad --auth ${opts.auth}`);
  if (!opts.json) opts.json = join(dirname(opts.citadel), 'bench-serving.json');
  return opts;
}

// Deterministic filler text: `count` words picked by a small LCG from `seed`.
const WORDS = ('the a little girl named lily went to park with her mom and dad one day she saw ' +
  'big red ball under tree happy dog ran fast because sun was warm they played all afternoon ' +
  'then came home ate dinner read book about dragon who lived in castle near river').split(' ');
function words(seed, count) {
  let state = (seed * 2654435761 + 12345) >>> 0;
  const out = [];
  for (let i = 0; i < count; ++i) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out.push(WORDS[state % WORDS.length]);
  }
  return out.join(' ');
}
// Request headers: JSON, and the target's API key when it has one.
const headersFor = (target) => ({ 'content-type': 'application/json',
  ...(target.apiKey ? { authorization: `Bearer ${target.apiKey}` } : {}) });

const promptFor = (index, opts) => `Request ${index}: ${words(index, opts.promptWords)}`;

// One streamed completion: TTFT (first event carrying text), the gaps between
// text events, wall time, the completion tokens (from `usage`, else the
// number of text events), usage.
async function streamCompletion(target, prompt, maxTokens, timeoutS) {
  const started = performance.now();
  const res = await fetch(`${target.url}/v1/completions`, {
    method: 'POST',
    headers: headersFor(target),
    body: JSON.stringify({ model: target.model, prompt, max_tokens: maxTokens, temperature: 0,
      stream: true, ignore_eos: true, cache_prompt: true,
      stream_options: { include_usage: true } }),
    signal: AbortSignal.timeout(timeoutS * 1000),
  });
  if (!res.ok) throw new Error(`${target.name}: HTTP ${res.status}: ${await res.text()}`);
  let ttftMs = null;
  let last = null;
  const gapsMs = [];
  let usage = null;
  for await (const data of sseData(res.body)) {
    if (data === '[DONE]') break;
    const chunk = JSON.parse(data);
    if (chunk.error) throw new Error(`${target.name}: ${chunk.error.message}`);
    if (chunk.usage) usage = chunk.usage;
    if (chunk.choices?.[0]?.text) {
      const now = performance.now();
      if (ttftMs === null) ttftMs = now - started;
      else gapsMs.push(now - last);
      last = now;
    }
  }
  const events = ttftMs === null ? 0 : gapsMs.length + 1;
  const tokens = usage?.completion_tokens ?? events;
  return { ttftMs, gapsMs, wallMs: performance.now() - started, tokens, events, usage };
}

// Runs `clients` loops of `perClient` requests at once; returns the requests'
// results and the phase's wall time.
async function runClients(target, opts, clients, perClient, firstIndex) {
  const started = performance.now();
  const results = await Promise.all(Array.from({ length: clients }, async (_, client) => {
    const mine = [];
    for (let r = 0; r < perClient; ++r) {
      const index = firstIndex + client * perClient + r;
      mine.push(await streamCompletion(target, promptFor(index, opts), opts.maxTokens, opts.timeoutS));
    }
    return mine;
  }));
  return { results: results.flat(), seconds: (performance.now() - started) / 1000 };
}

function summarize({ results, seconds }, maxTokens) {
  const tokens = results.reduce((n, r) => n + r.tokens, 0);
  const ttft = results.map((r) => r.ttftMs).filter((t) => t !== null);
  const gaps = results.flatMap((r) => r.gapsMs);
  return {
    requests: results.length, completion_tokens: tokens, seconds,
    text_events: results.reduce((n, r) => n + r.events, 0),
    tokens_per_s: tokens / seconds,
    ttft_p50_ms: percentile(ttft, 0.5), ttft_p99_ms: percentile(ttft, 0.99),
    itl_p50_ms: percentile(gaps, 0.5), itl_p99_ms: percentile(gaps, 0.99),
    without_usage: results.filter((r) => !r.usage).length,
    short_requests: results.filter((r) => r.tokens !== maxTokens).length,
  };
}

// Text of about `tokens` tokens by the server's tokenizer (citadel's /tokenize
// takes `prompt`, llama-server's `content`; only the count is used).
async function prefixText(target, tokens) {
  const count = async (text) => {
    const res = await fetch(`${target.url}/tokenize`, { method: 'POST',
      headers: headersFor(target),
      body: JSON.stringify({ model: target.model, prompt: text, content: text }) });
    if (!res.ok) throw new Error(`${target.name} /tokenize: HTTP ${res.status}`);
    return (await res.json()).tokens.length;
  };
  const intro = 'System: you are a helpful assistant. Background: ';
  let n = tokens;
  for (let attempt = 0; attempt < 6; ++attempt) {
    const text = intro + words(987654, n);
    const got = await count(text);
    if (got >= tokens && got <= tokens * 1.02) return text;
    n = Math.max(1, Math.round((n * tokens) / got) + (got < tokens ? 1 : 0));
  }
  return intro + words(987654, n);
}

// Two requests sharing `prefix`, one after the other; the second should be
// served mostly from the prefix cache.
async function prefixCache(target, prefix, timeoutS) {
  const ask = (question) => streamCompletion(target, `${prefix}\nUser: ${question}\nAnswer:`, 8,
    timeoutS);
  const first = await ask('what did lily see?');
  const second = await ask('where did the dog run?');
  return {
    prompt_tokens: first.usage?.prompt_tokens ?? null,
    first_ttft_ms: first.ttftMs, second_ttft_ms: second.ttftMs,
    second_over_first: second.ttftMs / first.ttftMs,
    second_cached_tokens: second.usage?.prompt_tokens_details?.cached_tokens ?? null,
  };
}

// Selected counters from Citadel's /metrics (absent for the reference).
async function counters(target) {
  const res = await fetch(`${target.url}/metrics`).catch(() => null);
  if (!res?.ok) return null;
  const out = {};
  for (const line of (await res.text()).split('\n')) {
    const m = line.match(/^vllm:(num_preemptions_total|prefix_cache_(?:hits|queries)_total)\{[^}]*\} (\S+)/);
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}

async function measure(target, opts, prefix) {
  // Warm-up, untimed: N at once, so every slot of the reference has been used.
  await Promise.all(Array.from({ length: opts.clients },
    (_, i) => streamCompletion(target, `Warm up ${i}:`, 4, opts.timeoutS)));
  console.error(`${target.name}: single stream (${opts.single} requests)`);
  const single = summarize(await runClients(target, opts, 1, opts.single, 0), opts.maxTokens);
  console.error(`${target.name}: ${opts.clients} clients x ${opts.requests} requests`);
  const concurrent = summarize(
    await runClients(target, opts, opts.clients, opts.requests, 1000), opts.maxTokens);
  console.error(`${target.name}: prefix cache`);
  const prefixResult = await prefixCache(target, prefix, opts.timeoutS);
  return { single, concurrent, prefix: prefixResult, counters: await counters(target) };
}

// Starts a server, measures it and always stops it.
async function withServer(startServer, body) {
  const target = await startServer();
  try {
    return await body(target);
  } catch (e) {
    console.error(`${target.name} log (last lines):\n${target.log().split('\n').slice(-20).join('\n')}`);
    throw e;
  } finally {
    await target.stop();
  }
}

// Table rows: label, value from one server's report, and optionally the
// target (text) with its check; `compare: false` rows get no c/r ratio.
const pass = (ok) => (ok ? 'PASS' : 'MISS');
const ROWS = [
  { label: 'aggregate tok/s, N clients', get: (r) => r.concurrent.tokens_per_s,
    target: 'c/r >= 2.0', check: (c, r, ratio) => pass(ratio >= 2.0) },
  { label: 'single-stream tok/s', get: (r) => r.single.tokens_per_s },
  { label: 'aggregate / single-stream', compare: false,
    get: (r) => r.concurrent.tokens_per_s / r.single.tokens_per_s,
    target: 'citadel >= 3.0', check: (c) => pass(c >= 3.0) },
  { label: 'TTFT p50 ms, N clients', get: (r) => r.concurrent.ttft_p50_ms },
  { label: 'TTFT p99 ms, N clients', get: (r) => r.concurrent.ttft_p99_ms,
    target: 'c/r <= 1.0', check: (c, r, ratio) => pass(ratio <= 1.0) },
  { label: 'inter-token p50 ms, N clients', get: (r) => r.concurrent.itl_p50_ms },
  { label: 'inter-token p99 ms, N clients', get: (r) => r.concurrent.itl_p99_ms },
  { label: 'TTFT single-stream p50 ms', get: (r) => r.single.ttft_p50_ms },
  { label: 'inter-token single p50 ms', get: (r) => r.single.itl_p50_ms },
  { label: 'prefix: 1st request TTFT ms', get: (r) => r.prefix.first_ttft_ms },
  { label: 'prefix: 2nd request TTFT ms', get: (r) => r.prefix.second_ttft_ms },
  { label: 'prefix: 2nd / 1st TTFT', compare: false, get: (r) => r.prefix.second_over_first,
    target: 'each <= 0.15', check: (c, r) => pass(c <= 0.15 && (r === undefined || r <= 0.15)) },
  { label: 'prefix: 2nd cached tokens', compare: false,
    get: (r) => r.prefix.second_cached_tokens },
];

function printTable(report, opts) {
  const f = (x) => (x === undefined ? '-' : Number.isFinite(x) ? x.toFixed(x < 10 ? 3 : 1) : 'n/a');
  const loads = (l) => l.map((x) => x.toFixed(2)).join(' ');
  const { citadel, reference } = report.servers;
  console.log(`model ${opts.modelPath}, ${opts.threads} threads, N = ${opts.clients} clients x ` +
    `${opts.requests} requests, max_tokens ${opts.maxTokens}, ctx ${opts.ctx}/slot, load average ` +
    `${loads(report.load_average.before)} (before) ${loads(report.load_average.after)} (after)`);
  console.log(`${'metric'.padEnd(30)} ${'citadel'.padStart(10)} ${'reference'.padStart(10)} ` +
    `${'c/r'.padStart(7)}  target`);
  for (const row of ROWS) {
    const c = row.get(citadel);
    const r = reference ? row.get(reference) : undefined;
    const ratio = r === undefined || row.compare === false ? undefined : c / r;
    const judged = row.check && (ratio !== undefined || row.compare === false);
    const mark = row.target ? `${row.target} ${judged ? row.check(c, r, ratio) : ''}` : '';
    console.log(`${row.label.padEnd(30)} ${f(c).padStart(10)} ${f(r).padStart(10)} ` +
      `${f(ratio).padStart(7)}  ${mark}`);
  }
}

function problems(report) {
  const out = [];
  for (const [name, r] of Object.entries(report.servers)) {
    if (!r) continue;
    for (const phase of ['single', 'concurrent']) {
      if (r[phase].without_usage) {
        console.error(`serving: note: ${name} sent no usage for ${r[phase].without_usage} ` +
          `${phase} requests; their tokens are counted from text events`);
      }
      if (r[phase].short_requests) {
        out.push(`${name}: ${r[phase].short_requests} ${phase} requests did not generate max_tokens`);
      }
    }
  }
  return out;
}

const splitArgs = (text) => text.split(' ').filter(Boolean);

// citadel serve with auth.mode = `auth`; for keys, a key with the
// completions scope is created in the server's fresh store first (the CLI
// opens the same SQLite file) and sent with every request.
async function startCitadelWith(opts, auth) {
  const extraArgs = ['-t', String(opts.threads), '--set', `engine.context_length=${opts.ctx}`,
    ...splitArgs(opts.citadelArgs)];
  if (auth !== 'keys') return startCitadel(opts.citadel, opts.modelPath, { extraArgs });
  const dataDir = mkdtempSync(join(tmpdir(), 'citadel-bench-keys-'));
  try {
    const created = JSON.parse(execFileSync(opts.citadel, ['keys', 'create', '--data-dir', dataDir,
      '--name', 'bench', '--scopes', 'completions,models:read', '--json'],
    { stdio: ['ignore', 'pipe', 'ignore'] }));
    const server = await startCitadel(opts.citadel, opts.modelPath, { dataDir,
      extraArgs: [...extraArgs, '--set', 'auth.mode=keys'] });
    const stop = server.stop;
    return { ...server, name: 'citadel (keys)', apiKey: created.key,
      async stop() { await stop(); rmSync(dataDir, { recursive: true, force: true }); } };
  } catch (e) {
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
}

// The cost of API keys on the request path: keys / none, per round and the
// median over the rounds. Returns the figures for the JSON report.
function printAuthRatios(pairs) {
  const f = (x) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');
  const median = (xs) => percentile(xs, 0.5);
  const ratio = (get) => pairs.map(([none, keys]) => get(keys) / get(none));
  const figures = {
    aggregate_tokens_per_s: ratio((r) => r.concurrent.tokens_per_s),
    single_stream_tokens_per_s: ratio((r) => r.single.tokens_per_s),
    ttft_p50_ms: ratio((r) => r.concurrent.ttft_p50_ms),
    ttft_p99_ms: ratio((r) => r.concurrent.ttft_p99_ms),
  };
  const agg = median(figures.aggregate_tokens_per_s);
  console.log(`auth.mode keys / none over ${pairs.length} round(s), median: aggregate tok/s ` +
    `${f(agg)} (target >= 0.97 ${pass(agg >= 0.97)}), single-stream tok/s ` +
    `${f(median(figures.single_stream_tokens_per_s))}, TTFT p50 ${f(median(figures.ttft_p50_ms))}, ` +
    `TTFT p99 ${f(median(figures.ttft_p99_ms))}`);
  pairs.forEach(([none, keys], i) => console.log(`  round ${i + 1}: aggregate tok/s none ` +
    `${none.concurrent.tokens_per_s.toFixed(1)}, keys ${keys.concurrent.tokens_per_s.toFixed(1)}`));
  return figures;
}

async function main() {
  const opts = parseArgs(process.argv);
  const before = loadavg();
  const threads = String(opts.threads);
  let prefix = null;  // the same shared system prompt text for both servers
  const measureCitadel = (auth) => withServer(() => startCitadelWith(opts, auth),
    async (t) => measure(t, opts, prefix ?? (prefix = await prefixText(t, opts.prefixTokens))));
  const citadel = await measureCitadel(opts.auth === 'keys' ? 'keys' : 'none');
  const pairs = [];  // [none, keys] per round, for --auth both
  for (let round = 0; opts.auth === 'both' && round < opts.rounds; ++round) {
    // Alternate which goes first so a drifting machine load favours neither.
    if (round % 2 === 0) {
      pairs.push([round === 0 ? citadel : await measureCitadel('none'), await measureCitadel('keys')]);
    } else {
      const keys = await measureCitadel('keys');
      pairs.push([await measureCitadel('none'), keys]);
    }
  }
  const citadelKeys = pairs.length ? pairs[0][1] : null;
  let reference = null;
  if (opts.reference && existsSync(opts.reference)) {
    reference = await withServer(() => startReference(opts.reference, opts.modelPath, {
      extraArgs: ['-np', String(opts.clients), '-c', String(opts.ctx * opts.clients),
        '-t', threads, '-tb', threads, ...splitArgs(opts.referenceArgs)] }),
    (t) => measure(t, opts, prefix));
  } else {
    console.error('serving: no reference server (--reference); citadel figures only');
  }
  const report = { options: opts, load_average: { before, after: loadavg() },
    servers: { citadel, reference, ...(citadelKeys ? { citadel_keys: citadelKeys } : {}) } };
  printTable(report, opts);
  if (pairs.length) report.auth_ratios = printAuthRatios(pairs);
  writeFileSync(opts.json, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`JSON: ${opts.json}`);
  const issues = problems(report);
  for (const p of issues) console.error(`serving: ${p}`);
  process.exit(issues.length ? 1 : 0);
}

main().catch((e) => { console.error(`serving: ${e.message}`); process.exit(1); });
