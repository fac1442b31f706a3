// Kernel benchmarks: MatMul per weight type at TinyLlama-1.1B shapes for
// M = 1 and 8 (decode: weight streaming) and M = 512 (prefill GEMM) — every
// shape for the main types, the FFN gate/up shape for the others — plus the
// machine's read bandwidth measured the same way (same threads, buffers far
// larger than the caches).
//
// Counters: weight_GBps = weight bytes streamed per second; GOPs = 2*M*rows*cols
// operations per second; bw_pct = weight_GBps as a percentage of the
// measured read bandwidth. Threads: CITADEL_BENCH_THREADS (default 2). Path:
// CITADEL_CPU=scalar|avx2|avxvnni|avx512|amx caps it.
//
// Decode cases cycle through copies of the weight matrix totalling at least
// kStreamBytes so every call reads from DRAM, as a real decode step does.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "kernels/cpu_features.h"
#include "kernels/matmul.h"
#include "kernels/quantize.h"
#include "kernels/weight_panels.h"
#include "util/page_buffer.h"
#include "util/thread_pool.h"

namespace citadel::kernels {
namespace {

constexpr std::size_t kStreamBytes = std::size_t{1} << 30;  // well beyond the L3 share

int BenchThreads() {
  const char* env = std::getenv("CITADEL_BENCH_THREADS");
  return env != nullptr ? std::max(1, std::atoi(env)) : 2;
}

ThreadPool& Pool() {
  static ThreadPool pool(BenchThreads());
  return pool;
}

// Benchmark memory comes as the model's panels and KV memory do: huge pages
// where the OS allows (util/page_buffer.h), so the read bandwidth below is
// the memory's, not the TLB's, and the kernels are measured as they run.
PageBuffer Allocate(std::size_t bytes) {
  Result<PageBuffer> buffer = PageBuffer::Allocate(bytes);
  if (!buffer.ok()) std::abort();
  return std::move(*buffer);
}

// Read bandwidth: every thread scans its share of a 1 GiB buffer with
// memchr for a byte that is not there (glibc's widest SIMD loop, so the
// figure is the memory's, not the loop's); best of 5.
double MeasureReadBandwidthGBps() {
  static const double gbps = [] {
    PageBuffer buffer = Allocate(kStreamBytes);
    std::memset(buffer.data(), 1, kStreamBytes);
    ThreadPool& pool = Pool();
    std::vector<const void*> found(pool.size());
    double best = 0;
    for (int rep = 0; rep < 5; ++rep) {
      auto start = std::chrono::steady_clock::now();
      pool.Run([&](int idx) {
        auto [begin, end] = ThreadPool::Split(kStreamBytes, idx, pool.size());
        found[idx] = std::memchr(buffer.data() + begin, 0, end - begin);
      });
      double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      best = std::max(best, kStreamBytes / seconds / 1e9);
    }
    for (const void* f : found) {
      if (f != nullptr) std::abort();  // the scan must have read everything
    }
    return best;
  }();
  return gbps;
}

void BM_ReadBandwidth(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(MeasureReadBandwidthGBps());
  state.counters["GBps"] = MeasureReadBandwidthGBps();
  state.counters["threads"] = Pool().size();
}

// Reads `bytes` at `data`: eight independent lanes, so the loop is bound by
// memory, not by one dependency chain.
std::uint64_t XorWords(const std::uint8_t* data, std::size_t bytes) {
  std::uint64_t lanes[8] = {};
  const std::size_t words = bytes / 64 * 8;
  const auto* w = reinterpret_cast<const std::uint64_t*>(data);
  for (std::size_t i = 0; i < words; i += 8) {
    for (int k = 0; k < 8; ++k) lanes[k] ^= w[i + k];
  }
  std::uint64_t x = 0;
  for (std::uint64_t lane : lanes) x ^= lane;
  return x;
}

// Seconds to read the decode cases' weight copies once, in the matrix
// products' order with one pool run per copy as they make (each participant
// scans a static half, where the products hand out chunks).
double ScanSeconds(const std::vector<WeightView>& views, std::size_t matrix_bytes) {
  ThreadPool& pool = Pool();
  std::vector<std::uint64_t> sinks(pool.size());
  auto start = std::chrono::steady_clock::now();
  for (const WeightView& view : views) {
    pool.Run([&](int idx) {
      auto [begin, end] =
          ThreadPool::Split(static_cast<std::int64_t>(matrix_bytes / 64), idx, pool.size());
      sinks[idx] ^= XorWords(view.data + begin * 64, (end - begin) * 64);
    });
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  benchmark::DoNotOptimize(sinks.data());
  return seconds;
}

// A weight matrix: 64 distinct quantized rows (from seeded normal values)
// repeated to `rows`, in `copies` copies.
struct WeightSet {
  std::vector<PageBuffer> copies;
  std::size_t matrix_bytes = 0;
};

WeightSet MakeWeights(TensorType type, std::int64_t rows, std::int64_t cols, int copies) {
  constexpr std::int64_t kDistinct = 64;
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 0.02f);
  std::vector<float> values(kDistinct * cols);
  for (float& v : values) v = normal(rng);
  const std::size_t row_bytes = RowBytes(type, cols);
  std::vector<std::uint8_t> distinct(row_bytes * kDistinct);
  if (!QuantizeTensor(type, values.data(), distinct.data(), kDistinct, cols, nullptr).ok()) {
    std::abort();
  }
  WeightSet set;
  set.matrix_bytes = row_bytes * rows;
  for (int c = 0; c < copies; ++c) {
    PageBuffer b = Allocate(set.matrix_bytes);
    for (std::int64_t r = 0; r < rows; ++r) {
      std::memcpy(b.data() + r * row_bytes, distinct.data() + (r % kDistinct) * row_bytes,
                  row_bytes);
    }
    set.copies.push_back(std::move(b));
  }
  return set;
}

// Args: type, rows (outputs), cols (inputs), tokens, layout (0 GGUF rows, 1 panels).
void BM_MatMul(benchmark::State& state) {
  const auto type = static_cast<TensorType>(state.range(0));
  const std::int64_t rows = state.range(1);
  const std::int64_t cols = state.range(2);
  const std::int64_t tokens = state.range(3);
  const std::size_t matrix_bytes = RowBytes(type, cols) * rows;
  // Decode streams from DRAM; prefill is compute-bound, one copy suffices.
  const int copies =
      tokens <= 8 ? static_cast<int>(std::max<std::size_t>(1, kStreamBytes / matrix_bytes)) : 1;
  WeightSet weights = MakeWeights(type, rows, cols, copies);
  std::vector<float> act(tokens * cols);
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (float& v : act) v = normal(rng);
  std::vector<float> out(tokens * rows);
  MatMulScratch scratch;
  ThreadPool& pool = Pool();
  const bool panels = state.range(4) == 1;
  std::vector<WeightView> views;
  std::vector<PackedWeight> packed;
  for (const PageBuffer& copy : weights.copies) {
    const WeightView rows_view{type, copy.data(), rows, cols};
    if (!panels) {
      views.push_back(rows_view);
      continue;
    }
    Result<PackedWeight> p = PackedWeight::Pack(rows_view);
    if (!p.ok()) std::abort();
    packed.push_back(std::move(*p));
    views.push_back(packed.back().view());
  }
  if (panels) weights.copies.clear();  // the packed copies replace them
  // One untimed call per copy: here the first read of freshly written memory
  // runs at about two thirds of the speed of later ones (14.5 against 21 GB/s
  // for Q4_0 at 5632x2048), and a model reads the same weights every token.
  for (const WeightView& view : views) MatMul(view, act.data(), tokens, out.data(), pool, scratch);
  // Decode cases also read the same copies with a plain scan after every
  // pass (untimed): other tenants move a VM's bandwidth by 10-20% within
  // minutes, so scan_GB/s is what the memory gave over the same stretch.
  const bool scan = tokens <= 8;
  double scan_seconds = 0;
  std::int64_t scan_passes = 0;
  std::size_t next = 0;
  for (auto _ : state) {
    const WeightView& view = views[next];
    next = (next + 1) % views.size();
    MatMul(view, act.data(), tokens, out.data(), pool, scratch);
    benchmark::DoNotOptimize(out.data());
    if (scan && next == 0) {
      state.PauseTiming();
      scan_seconds += ScanSeconds(views, matrix_bytes);
      ++scan_passes;
      state.ResumeTiming();
    }
  }
  const double calls = static_cast<double>(state.iterations());
  state.counters["weight_GBps"] =
      benchmark::Counter(calls * matrix_bytes / 1e9, benchmark::Counter::kIsRate);
  state.counters["GOPs"] =
      benchmark::Counter(calls * 2.0 * tokens * rows * cols / 1e9, benchmark::Counter::kIsRate);
  if (scan_passes > 0) {
    state.counters["scan_GBps"] =
        static_cast<double>(scan_passes * views.size() * matrix_bytes) / scan_seconds / 1e9;
  }
  state.SetLabel(std::string(TensorTypeName(type)) + " " + std::to_string(rows) + "x" +
                 std::to_string(cols) + " M=" + std::to_string(tokens) + " " +
                 std::string(SimdLevelName(SelectedSimdLevel())) + (panels ? " panels" : "") +
                 " t=" + std::to_string(pool.size()));
}

// Shapes of TinyLlama-1.1B as {rows (outputs), cols (inputs)}: attention q/o,
// FFN gate/up, FFN down, output head.
constexpr std::int64_t kShapes[][2] = {{2048, 2048}, {5632, 2048}, {2048, 5632}, {32000, 2048}};
constexpr TensorType kTypes[] = {TensorType::kQ4_0, TensorType::kQ8_0, TensorType::kQ4_K,
                                 TensorType::kQ6_K, TensorType::kF16};
// The other types MatMul runs, at the FFN gate/up shape only.
constexpr TensorType kOtherTypes[] = {TensorType::kQ4_1, TensorType::kQ5_0, TensorType::kQ5_1,
                                      TensorType::kQ2_K, TensorType::kQ3_K, TensorType::kQ5_K,
                                      TensorType::kBF16};

void AddCases(benchmark::internal::Benchmark* b, TensorType type, const std::int64_t shape[2]) {
  // Both layouts where this machine loads panels (PanelsPreferred), to compare.
  const std::int64_t layouts = PanelsPreferred(type) ? 2 : 1;
  for (std::int64_t tokens : {1, 8, 512}) {
    for (std::int64_t layout = 0; layout < layouts; ++layout) {
      b->Args({static_cast<std::int64_t>(type), shape[0], shape[1], tokens, layout});
    }
  }
}

void MatMulArgs(benchmark::internal::Benchmark* b) {
  b->ArgNames({"type", "rows", "cols", "M", "panels"});
  for (TensorType type : kTypes) {
    for (const auto& shape : kShapes) AddCases(b, type, shape);
  }
  for (TensorType type : kOtherTypes) AddCases(b, type, kShapes[1]);
}

BENCHMARK(BM_ReadBandwidth)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_MatMul)->Apply(MatMulArgs)->Unit(benchmark::kMicrosecond)->UseRealTime()->MinTime(0.5);

}  // namespace
}  // namespace citadel::kernels

BENCHMARK_MAIN();
