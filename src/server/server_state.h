// ServerState: what every handler shares: the model registry, the settings
// the handlers read, the draining flag and the HTTP request counters.
//
// Thread-safe: the registry locks itself, the flag and counters are atomics,
// the options are immutable after start-up.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "server/model_registry.h"

namespace citadel::server {

struct HandlerOptions {
  std::string api_key;  // empty: no authentication
  bool log_requests = true;
  bool log_content = false;
  std::int64_t max_body_bytes = 4 << 20;
};

// Counts of answered requests by status class (1xx..5xx) and of streams
// aborted by their clients.
class HttpCounters {
 public:
  void Count(int status) {
    const int cls = status / 100;
    if (cls >= 1 && cls <= 5) by_class_[cls - 1].fetch_add(1, std::memory_order_relaxed);
  }
  void CountAbort() { aborted_.fetch_add(1, std::memory_order_relaxed); }
  std::int64_t count(int cls) const { return by_class_[cls - 1].load(std::memory_order_relaxed); }
  std::int64_t aborted() const { return aborted_.load(std::memory_order_relaxed); }

 private:
  std::array<std::atomic<std::int64_t>, 5> by_class_{};
  std::atomic<std::int64_t> aborted_{0};
};

struct ServerState {
  ModelRegistry models;
  HandlerOptions options;
  std::atomic<bool> draining{false};
  std::atomic<int> open_connections{0};
  std::atomic<int> in_flight{0};  // requests being answered
  HttpCounters http;
};

}  // namespace citadel::server
