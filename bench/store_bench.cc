// Key lookup latency (Google Benchmark; p50_us and p99_us are the figures):
//   CacheHit        KeyAuthenticator::Authenticate of a cached key (SQLite store
//                   behind it; the store is not read on a hit)
//   CacheMiss/sqlite    the cache dropped before every call: one indexed read
//                   of the key's prefix from an SQLite file (WAL)
//   CacheMiss/postgres  the same from PostgreSQL over loopback TCP: the server
//                   at $CITADEL_BENCH_POSTGRES_URL (a database the bench may
//                   create tables in), else one this bench starts from Debian's
//                   package with the tests' helper (fsync off; reads only here)
// Each store holds 500 keys. Targets (issue 14): hit < 2 us, SQLite miss
// < 200 us, PostgreSQL miss < 1 ms.
//
//   build/bench/store_bench [--benchmark_filter=Miss]
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "postgres_server.h"
#include "security/key_authenticator.h"
#include "security/key_issuer.h"
#include "store/store_url.h"
#include "util/clock.h"

namespace {

using citadel::SystemClock;
using citadel::security::KeyAuthenticator;
namespace store = citadel::store;

constexpr int kKeys = 500;

struct Fixture {
  std::unique_ptr<store::Store> store;
  std::vector<std::string> keys;
};

// Opens `url` and fills it with kKeys keys; nullptr (with `error`) on failure.
std::unique_ptr<Fixture> Fill(const std::string& url, std::string& error) {
  auto opened = store::OpenStore(url);
  if (!opened.ok()) {
    error = opened.status().ToString();
    return nullptr;
  }
  auto fixture = std::make_unique<Fixture>();
  fixture->store = std::move(opened).value();
  for (int i = 0; i < kKeys; ++i) {
    citadel::security::KeySpec spec{"bench " + std::to_string(i), {}, {"chat"}, {}, {}, {}};
    auto issued = citadel::security::IssueKey(*fixture->store, spec, 1700000000);
    if (!issued.ok()) {
      error = issued.status().ToString();
      return nullptr;
    }
    fixture->keys.push_back(issued->key);
  }
  return fixture;
}

std::string ScratchFile() {
  static const std::string dir = [] {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "citadel-store-bench-XXXXXX").string();
    return mkdtemp(pattern.data()) != nullptr ? pattern : std::string("/tmp");
  }();
  static int n = 0;
  return dir + "/bench" + std::to_string(n++) + ".db";
}

Fixture* SqliteFixture(std::string& error) {
  static std::string failure;
  static std::unique_ptr<Fixture> fixture = Fill("sqlite:" + ScratchFile(), failure);
  error = failure;
  return fixture.get();
}

Fixture* PostgresFixture(std::string& error) {
  static std::string failure;
  static std::unique_ptr<store::testing::PostgresServer> server;
  static std::unique_ptr<Fixture> fixture = [&]() -> std::unique_ptr<Fixture> {
    if (const char* url = std::getenv("CITADEL_BENCH_POSTGRES_URL")) return Fill(url, failure);
    if (auto missing = store::testing::PostgresServer::MissingBinaries()) {
      failure = *missing;
      return nullptr;
    }
    auto started = store::testing::PostgresServer::Start();
    if (!started.ok()) {
      failure = started.status().ToString();
      return nullptr;
    }
    server = std::move(started).value();
    auto url = server->CreateDatabase("store_bench");
    if (!url.ok()) {
      failure = url.status().ToString();
      return nullptr;
    }
    return Fill(*url, failure);
  }();
  error = failure;
  return fixture.get();
}

void ReportPercentiles(benchmark::State& state, std::vector<double>& us) {
  if (us.empty()) return;
  std::sort(us.begin(), us.end());
  state.counters["p50_us"] = us[us.size() / 2];
  state.counters["p99_us"] = us[std::min(us.size() - 1, us.size() * 99 / 100)];
}

// Times Authenticate alone; `miss` drops the cache before each call (untimed).
void RunLookups(benchmark::State& state, Fixture* fixture, bool miss) {
  SystemClock clock;
  KeyAuthenticator auth(*fixture->store, clock);
  for (const std::string& key : fixture->keys) {
    if (!auth.Authenticate(key).ok()) state.SkipWithError("an issued key was refused");
  }
  std::vector<double> us;
  us.reserve(1 << 16);
  size_t next = 0;
  for (auto _ : state) {
    const std::string& key = fixture->keys[next++ % fixture->keys.size()];
    if (miss) auth.Invalidate();
    const auto start = std::chrono::steady_clock::now();
    auto identity = auth.Authenticate(key, "127.0.0.1");
    const auto stop = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(identity);
    const double elapsed = std::chrono::duration<double>(stop - start).count();
    state.SetIterationTime(elapsed);
    if (us.size() < us.capacity()) us.push_back(elapsed * 1e6);
  }
  ReportPercentiles(state, us);
}

void BM_CacheHit(benchmark::State& state) {
  std::string error;
  Fixture* fixture = SqliteFixture(error);
  if (fixture == nullptr) return state.SkipWithError(error.c_str());
  RunLookups(state, fixture, false);
}

void BM_CacheMissSqlite(benchmark::State& state) {
  std::string error;
  Fixture* fixture = SqliteFixture(error);
  if (fixture == nullptr) return state.SkipWithError(error.c_str());
  RunLookups(state, fixture, true);
}

void BM_CacheMissPostgres(benchmark::State& state) {
  std::string error;
  Fixture* fixture = PostgresFixture(error);
  if (fixture == nullptr) return state.SkipWithError(error.c_str());
  RunLookups(state, fixture, true);
}

BENCHMARK(BM_CacheHit)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_CacheMissSqlite)
    ->Name("CacheMiss/sqlite")
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_CacheMissPostgres)
    ->Name("CacheMiss/postgres")
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
