#include "util/thread_pool.h"

#include <algorithm>
#include <chrono>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace citadel {
namespace {

// How long a waiter polls before it sleeps on the futex. Long enough to
// bridge the single-threaded gaps of a decode step (norms, activation
// quantization, sampling: tens of microseconds), since a futex wake costs as
// much again; short enough that an idle pool gives its cores back quickly.
// 256 pauses (~15 us) left the workers asleep for most gaps: TinyLlama Q4_0
// decoded 20 tokens/s on 2 threads; 200 us gives 28.
constexpr auto kSpinTime = std::chrono::microseconds(200);

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#else
  std::atomic_signal_fence(std::memory_order_seq_cst);
#endif
}

// Waits until `value` differs from `old` and returns the new value: spins
// first, then sleeps on the futex.
template <typename T>
T WaitForChange(const std::atomic<T>& value, T old) {
  // The clock is read only once a wait outlasts a few pauses: most waits on
  // the decode path end sooner, and they should not pay for it.
  std::chrono::steady_clock::time_point deadline;
  for (int i = 1;; ++i) {
    T now = value.load(std::memory_order_acquire);
    if (now != old) return now;
    CpuRelax();
    if (i % 64 != 0) continue;
    const auto clock = std::chrono::steady_clock::now();
    if (i == 64) {
      deadline = clock + kSpinTime;
    } else if (clock > deadline) {
      break;
    }
  }
  for (;;) {
    value.wait(old, std::memory_order_acquire);
    T now = value.load(std::memory_order_acquire);
    if (now != old) return now;
  }
}

}  // namespace

ThreadPool::ThreadPool(int num_threads) : num_threads_(std::max(1, num_threads)) {
  workers_.reserve(num_threads_ - 1);
  for (int idx = 1; idx < num_threads_; ++idx) {
    workers_.emplace_back([this, idx] { WorkerLoop(idx); });
  }
}

ThreadPool::~ThreadPool() {
  if (workers_.empty()) return;
  stopping_ = true;
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();
  for (std::thread& worker : workers_) worker.join();
}

void ThreadPool::Run(FunctionRef<void(int thread_idx)> fn) {
  if (num_threads_ == 1) {
    fn(0);
    return;
  }
  task_ = &fn;
  pending_.store(num_threads_ - 1, std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();
  fn(0);
  std::int32_t left = pending_.load(std::memory_order_acquire);
  while (left != 0) left = WaitForChange(pending_, left);
  task_ = nullptr;
}

void ThreadPool::WorkerLoop(int thread_idx) {
  std::uint32_t seen = 0;
  for (;;) {
    seen = WaitForChange(generation_, seen);
    if (stopping_) return;
    (*task_)(thread_idx);
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) pending_.notify_one();
  }
}

std::pair<std::int64_t, std::int64_t> ThreadPool::Split(std::int64_t count, int thread_idx,
                                                        int num_threads) {
  std::int64_t base = count / num_threads;
  std::int64_t extra = count % num_threads;
  std::int64_t begin = thread_idx * base + std::min<std::int64_t>(thread_idx, extra);
  std::int64_t size = base + (thread_idx < extra ? 1 : 0);
  return {begin, begin + size};
}

}  // namespace citadel
