// A persistent fork-join thread pool for the compute hot path.
//
// `ThreadPool pool(n)` starts n - 1 worker threads; the thread that calls
// Run() is participant 0, so a pool of size 1 runs everything inline.
// Run(fn) calls fn(thread_idx) once on every participant (0 .. size()-1) and
// returns when all calls have returned (a full barrier). Workers spin briefly
// waiting for the next Run (decode steps issue them back to back), then sleep
// on a futex (std::atomic::wait) so an idle pool costs no CPU.
//
// Run allocates nothing and is not reentrant: fn must not call Run on the same
// pool. Threading contract: thread-compatible — one thread at a time may call
// Run (the engine thread owns its pool); fn itself runs concurrently on all
// participants and must split its work by thread_idx.
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace citadel {

// A non-owning reference to a callable, cheap to copy (two pointers). The
// callable must outlive every call made through the reference.
template <typename Signature>
class FunctionRef;

template <typename R, typename... Args>
class FunctionRef<R(Args...)> {
 public:
  template <typename F,
            typename = std::enable_if_t<!std::is_same_v<std::remove_cvref_t<F>, FunctionRef> &&
                                        std::is_invocable_r_v<R, F&, Args...>>>
  FunctionRef(F&& fn)  // NOLINT: implicit by design, like std::function
      : object_(const_cast<void*>(static_cast<const void*>(&fn))),
        call_([](void* object, Args... args) -> R {
          return (*static_cast<std::remove_reference_t<F>*>(object))(std::forward<Args>(args)...);
        }) {}

  R operator()(Args... args) const { return call_(object_, std::forward<Args>(args)...); }

 private:
  void* object_;
  R (*call_)(void*, Args...);
};

class ThreadPool {
 public:
  // num_threads < 1 is treated as 1. Starts num_threads - 1 workers.
  explicit ThreadPool(int num_threads);
  // Wakes and joins the workers. Must not race with Run.
  ~ThreadPool();

  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Number of participants, including the calling thread.
  int size() const { return num_threads_; }

  // Calls fn(thread_idx) on every participant and returns when all are done.
  void Run(FunctionRef<void(int thread_idx)> fn);

  // The half-open range [begin, end) of `count` items that participant
  // `thread_idx` of `num_threads` handles: contiguous, sizes differ by at
  // most one, earlier participants get the larger shares.
  static std::pair<std::int64_t, std::int64_t> Split(std::int64_t count, int thread_idx,
                                                     int num_threads);

 private:
  void WorkerLoop(int thread_idx);

  const int num_threads_;
  // The task of the current generation; written by Run before the generation
  // is published (release) and read by workers after they see it (acquire).
  FunctionRef<void(int)>* task_ = nullptr;
  bool stopping_ = false;  // published the same way as task_
  // Bumped once per Run (and once at shutdown); workers wait for a change.
  alignas(64) std::atomic<std::uint32_t> generation_{0};
  // Workers still running the current task; Run waits for it to reach 0.
  alignas(64) std::atomic<std::int32_t> pending_{0};
  std::vector<std::thread> workers_;
};

}  // namespace citadel
