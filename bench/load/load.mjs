#!/usr/bin/env node
// Load test: N concurrent streaming chat clients against an OpenAI-compatible
// server; prints TTFT p50/p99, inter-token p50/p99, aggregate tokens per
// second and failures, and checks that no answer is lost or corrupted (every
// completed greedy answer equals the same prompt's solo answer) and that the
// server is healthy afterwards.
//
//   node bench/load/load.mjs --citadel build/citadel --model-path M.gguf [--reference llama-server]
//   node bench/load/load.mjs --url http://127.0.0.1:8080 --model ID
// Options: --clients 64 --requests 2 (per client) --max-tokens 48
//          --abort-fraction 0.2 (clients that abort mid-stream) --prompts 8
// Exits non-zero when an answer is lost or corrupted or the server is unhealthy.
import { existsSync } from 'node:fs';
import { startCitadel, startReference } from '../lib/servers.mjs';
import { sseData } from '../lib/sse.mjs';
import { percentile } from '../lib/stats.mjs';

function parseArgs(argv) {
  const opts = { clients: 64, requests: 2, maxTokens: 48, abortFraction: 0.2, prompts: 8 };
  for (let i = 2; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '').replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    opts[key] = ['clients', 'requests', 'maxTokens', 'abortFraction', 'prompts'].includes(key)
      ? Number(argv[i + 1]) : argv[i + 1];
  }
  return opts;
}

const promptOf = (i) => ({ role: 'user', content: `Story ${i}: once upon a time` });

// One streamed request: timings, text, completion tokens, how it ended.
async function streamOnce(target, prompt, maxTokens, abortAfter) {
  const controller = new AbortController();
  const started = performance.now();
  const res = await fetch(`${target.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: target.model, messages: [prompt], max_tokens: maxTokens,
      temperature: 0, stream: true, stream_options: { include_usage: true } }),
    signal: controller.signal,
  });
  if (!res.ok) return { status: 'failed', error: `HTTP ${res.status}` };
  const result = { status: 'incomplete', text: '', gaps: [], ttft: null, tokens: 0 };
  let last = null;
  let chunks = 0;
  try {
    for await (const data of sseData(res.body)) {
      if (data === '[DONE]') { result.status = 'ok'; continue; }
      const chunk = JSON.parse(data);
      if (chunk.error) { result.status = 'failed'; result.error = chunk.error.message; continue; }
      if (chunk.usage) result.tokens = chunk.usage.completion_tokens;
      const piece = chunk.choices?.[0]?.delta?.content;
      if (piece) {
        const now = performance.now();
        if (result.ttft === null) result.ttft = now - started;
        else result.gaps.push(now - last);
        last = now;
        result.text += piece;
        if (abortAfter && ++chunks >= abortAfter) {
          controller.abort();
          return { ...result, status: 'aborted' };
        }
      }
    }
  } catch (e) {
    if (e.name === 'AbortError') return { ...result, status: 'aborted' };
    return { ...result, status: 'failed', error: String(e) };
  }
  return result;
}

async function solo(target, prompt, maxTokens) {
  const res = await fetch(`${target.url}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: target.model, messages: [prompt], max_tokens: maxTokens,
      temperature: 0 }) });
  if (!res.ok) throw new Error(`solo request: HTTP ${res.status}`);
  return (await res.json()).choices[0].message.content;
}

async function runLoad(target, opts) {
  const expected = [];
  for (let p = 0; p < opts.prompts; ++p) expected.push(await solo(target, promptOf(p), opts.maxTokens));
  const aborters = Math.round(opts.clients * opts.abortFraction);
  const started = performance.now();
  const results = await Promise.all(Array.from({ length: opts.clients }, async (_, c) => {
    const mine = [];
    for (let r = 0; r < opts.requests; ++r) {
      const p = (c + r) % opts.prompts;
      const abortAfter = c < aborters ? 2 + (c % 5) : 0;
      const result = await streamOnce(target, promptOf(p), opts.maxTokens, abortAfter)
        .catch((e) => ({ status: 'failed', error: String(e) }));
      mine.push({ ...result, prompt: p });
    }
    return mine;
  }));
  const seconds = (performance.now() - started) / 1000;
  const all = results.flat();
  const ttft = all.filter((r) => r.ttft != null).map((r) => r.ttft);
  const gaps = all.flatMap((r) => r.gaps ?? []);
  const tokens = all.reduce((n, r) => n + (r.tokens || (r.gaps ? r.gaps.length + (r.ttft != null ? 1 : 0) : 0)), 0);
  const failed = all.filter((r) => r.status === 'failed' || r.status === 'incomplete');
  const corrupted = all.filter((r) => r.status === 'ok' && r.text !== expected[r.prompt]);
  const abortedWrong = all.filter((r) => r.status === 'aborted' && !expected[r.prompt].startsWith(r.text));
  const health = await fetch(`${target.url}/health`).then((r) => r.status).catch(() => 0);
  return {
    server: target.name,
    requests: all.length,
    completed: all.filter((r) => r.status === 'ok').length,
    aborted: all.filter((r) => r.status === 'aborted').length,
    failures: failed.length,
    corrupted: corrupted.length + abortedWrong.length,
    ttft_p50_ms: percentile(ttft, 0.5), ttft_p99_ms: percentile(ttft, 0.99),
    itl_p50_ms: percentile(gaps, 0.5), itl_p99_ms: percentile(gaps, 0.99),
    tokens_per_s: tokens / seconds,
    healthy: health === 200,
    firstFailure: failed[0]?.error,
  };
}

function print(report) {
  const f = (x) => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');
  console.log(`${report.server}: ${report.requests} requests (${report.completed} completed, ` +
    `${report.aborted} aborted by their clients), failures ${report.failures}, ` +
    `corrupted ${report.corrupted}, healthy after: ${report.healthy}`);
  console.log(`  TTFT p50 ${f(report.ttft_p50_ms)} ms  p99 ${f(report.ttft_p99_ms)} ms | ` +
    `inter-token p50 ${f(report.itl_p50_ms)} ms  p99 ${f(report.itl_p99_ms)} ms | ` +
    `${f(report.tokens_per_s)} tokens/s aggregate`);
  if (report.firstFailure) console.log(`  first failure: ${report.firstFailure}`);
}

async function main() {
  const opts = parseArgs(process.argv);
  const targets = [];
  if (opts.url) targets.push({ name: 'server', url: opts.url, model: opts.model });
  if (opts.citadel) targets.push(await startCitadel(opts.citadel, opts.modelPath, { alias: 'load' }));
  let ok = true;
  for (const target of targets) {
    const report = await runLoad(target, opts);
    print(report);
    ok &&= report.failures === 0 && report.corrupted === 0 && report.healthy;
    if (target.stop) await target.stop();
  }
  if (opts.reference && existsSync(opts.reference) && opts.modelPath) {
    const slots = Math.min(opts.clients, 64);
    const ref = await startReference(opts.reference, opts.modelPath,
      { extraArgs: ['-np', String(slots), '-c', String(128 * slots)] });
    try {
      const report = await runLoad(ref, opts);
      print(report);
    } finally {
      await ref.stop();
    }
  }
  process.exit(ok ? 0 : 1);
}

main().catch((e) => { console.error(`load: ${e.message}`); process.exit(1); });
