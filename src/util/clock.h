// Clock: the time a component reads, passed in so tests can set it.
//
//   SystemClock clock;            // the real time
//   ManualClock test_clock(1700000000);
//   test_clock.AdvanceSeconds(90);
//
// Thread-safe: both implementations may be read from any thread (ManualClock
// may also be advanced while others read it).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace citadel {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time, Unix seconds (for stored times and expiry).
  virtual std::int64_t UnixSeconds() const = 0;
  // Wall-clock time, Unix milliseconds (for audit records).
  virtual std::int64_t UnixMillis() const { return UnixSeconds() * 1000; }
  // A monotonic millisecond count (for intervals and timeouts).
  virtual std::int64_t SteadyMillis() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::int64_t UnixSeconds() const override {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  std::int64_t UnixMillis() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  std::int64_t SteadyMillis() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
};

// A clock that moves only when told to; both counts advance together.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t unix_seconds) : unix_ms_(unix_seconds * 1000) {}
  std::int64_t UnixSeconds() const override { return unix_ms_.load() / 1000; }
  std::int64_t UnixMillis() const override { return unix_ms_.load(); }
  std::int64_t SteadyMillis() const override { return unix_ms_.load(); }
  void AdvanceSeconds(std::int64_t seconds) { unix_ms_.fetch_add(seconds * 1000); }
  void AdvanceMillis(std::int64_t millis) { unix_ms_.fetch_add(millis); }

 private:
  std::atomic<std::int64_t> unix_ms_;
};

}  // namespace citadel
