// rate_limit_bench: latency of one rate-limit check (Admit: the call every
// request makes before its handler), in process and against a Redis on
// loopback, as p50 / p99 / max over many calls from 1 and 8 threads.
//
//   rate_limit_bench [--redis redis://127.0.0.1:6379] [--calls 20000]
//
// Targets (issue 15): in process < 20 us p99, Redis on loopback < 300 us
// p99. Without --redis only the local backend is measured. Start a
// throw-away server with e.g.
//   redis-server --port 6390 --save '' --appendonly no &
// Subjects rotate over 1000 keys with limits high enough that nothing is
// refused, so every call does the full read-refill-write.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "security/local_rate_limiter.h"
#include "security/redis_rate_limiter.h"
#include "util/clock.h"

namespace {

using citadel::security::RateLimiter;
using citadel::security::RateLimits;
using Micros = std::chrono::duration<double, std::micro>;

// Per-call latencies (us) of `calls` checks per thread.
std::vector<double> Measure(RateLimiter& limiter, int threads, int calls) {
  std::vector<std::vector<double>> per_thread(threads);
  std::vector<std::thread> workers;
  const RateLimits limits{1'000'000'000, 1'000'000'000, 0};
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      std::vector<double>& out = per_thread[t];
      out.reserve(calls);
      for (int i = 0; i < calls; ++i) {
        const std::string subject = "key:" + std::to_string((i * 7 + t) % 1000);
        const auto start = std::chrono::steady_clock::now();
        auto check = limiter.Admit(subject, limits, "");
        const auto stop = std::chrono::steady_clock::now();
        if (!check.ok() || !check->allowed) {
          std::fprintf(stderr, "rate_limit_bench: check failed: %s\n",
                       check.status().message().c_str());
          std::exit(1);
        }
        out.push_back(Micros(stop - start).count());
      }
    });
  }
  for (std::thread& w : workers) w.join();
  std::vector<double> all;
  for (auto& v : per_thread) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  return all;
}

void Report(const char* backend, RateLimiter& limiter, int calls) {
  Measure(limiter, 1, calls / 10);  // warm-up: connections, buckets
  for (int threads : {1, 8}) {
    const std::vector<double> us = Measure(limiter, threads, calls);
    const auto at = [&](double q) { return us[static_cast<size_t>(q * (us.size() - 1))]; };
    std::printf("%-8s threads=%d calls=%zu  p50 %7.1f us  p99 %7.1f us  max %8.1f us\n", backend,
                threads, us.size(), at(0.50), at(0.99), us.back());
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string redis_url;
  int calls = 20000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--redis") == 0) redis_url = argv[i + 1];
    if (std::strcmp(argv[i], "--calls") == 0) calls = std::atoi(argv[i + 1]);
  }
  citadel::SystemClock clock;
  citadel::security::LocalRateLimiter local(clock);
  Report("local", local, calls);
  if (redis_url.empty()) {
    std::printf("redis    skipped (no --redis redis://HOST:PORT)\n");
    return 0;
  }
  auto endpoint = citadel::security::ParseRedisUrl(redis_url);
  if (!endpoint.ok()) {
    std::fprintf(stderr, "rate_limit_bench: %s\n", endpoint.status().message().c_str());
    return 1;
  }
  citadel::security::RedisRateLimiter redis({.endpoint = *endpoint});
  Report("redis", redis, calls);
  return 0;
}
