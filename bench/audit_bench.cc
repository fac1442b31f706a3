// Cost of audit writing on the request path (issue 17): the time one
// AuditWriter::Append takes, as a request thread sees it, p50/p99/max over
// every call, with audit.sync = batch (the target: p99 < 50 us) and, for
// comparison, sync = every (the caller waits for group commit + fsync).
// The store is a real SQLite file in a temporary folder (WAL, synchronous =
// FULL), records are typical request records, T threads append at once.
//
//   build/bench/audit_bench [--records N] [--threads T]
//
// Prints one line per mode; name the CPU and the machine's load with it.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "security/audit_chain.h"
#include "security/audit_writer.h"
#include "store/store_url.h"
#include "util/clock.h"

namespace {

using namespace citadel;
using Nanos = std::chrono::nanoseconds;

security::AuditRecord Typical(int thread, int i) {
  security::AuditRecord r;
  r.time_ms = 1'765'000'000'000 + i;
  r.request_id = "req-" + std::to_string(thread) + "-" + std::to_string(i);
  r.key_id = 12;
  r.key_prefix = "AbCdEfGh";
  r.user = "ada";
  r.client_ip = "10.1.2.3";
  r.method = "POST";
  r.route = "/v1/chat/completions";
  r.model = "tinyllama";
  r.status = 200;
  r.finish_reason = "stop";
  r.prompt_tokens = 412;
  r.completion_tokens = 128;
  r.latency_us = 812'345;
  r.capture = "none";
  return r;
}

double Percentile(std::vector<double>& v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

int Run(security::AuditSync sync, const char* name, int records, int threads) {
  char pattern[] = "/tmp/citadel-audit-bench-XXXXXX";
  const std::string dir = mkdtemp(pattern) ? pattern : "/tmp";
  auto store = store::OpenStore("sqlite:" + dir + "/audit.db");
  security::AuditSignerConfig key;
  key.hmac_key = std::string(32, 'b');
  auto signer = security::LoadAuditSigner(key);
  if (!store.ok() || !signer.ok()) return 1;
  SystemClock clock;
  security::AuditChain chain(**store, **signer, clock, {});
  std::vector<std::vector<double>> micros(threads);
  const auto start = std::chrono::steady_clock::now();
  std::int64_t commits = 0;
  {
    security::AuditWriter writer(chain, {sync});
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        for (int i = 0; i < records / threads; ++i) {
          security::AuditRecord record = Typical(t, i);
          const auto before = std::chrono::steady_clock::now();
          if (!writer.Append(std::move(record)).ok()) std::abort();
          micros[t].push_back(
              std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - before)
                  .count());
        }
      });
    }
    for (auto& worker : workers) worker.join();
    if (!writer.Close().ok()) std::abort();
    commits = writer.stats().commits;
  }
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::vector<double> all;
  for (auto& v : micros) all.insert(all.end(), v.begin(), v.end());
  std::printf(
      "sync=%-5s  %d records, %d threads: Append p50 %.2f us  p99 %.2f us  max %.1f us;"
      "  %.0f records/s written in %lld commits (%.1f per commit)\n",
      name, static_cast<int>(all.size()), threads, Percentile(all, 0.50), Percentile(all, 0.99),
      Percentile(all, 1.0), static_cast<double>(all.size()) / wall_s,
      static_cast<long long>(commits),
      static_cast<double>(all.size()) / std::max<double>(1, commits));
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int records = 40000;
  int threads = 8;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--records") records = std::atoi(argv[i + 1]);
    if (flag == "--threads") threads = std::atoi(argv[i + 1]);
  }
  if (records < threads || threads < 1) return 2;
  std::printf("audit_bench: SQLite WAL synchronous=FULL in /tmp; %u hardware threads\n",
              std::thread::hardware_concurrency());
  if (Run(citadel::security::AuditSync::kBatch, "batch", records, threads) != 0) return 1;
  return Run(citadel::security::AuditSync::kEvery, "every", records / 10, threads);
}
