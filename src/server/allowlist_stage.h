// AllowlistStage: the pipeline's second stage (accept -> allowlist -> TLS ->
// parse -> authenticate -> authorise -> rate-limit -> handler). It decides
// from the peer's address alone, at accept time, before a byte is read;
// and again after the headers when a trusted proxy names the client in
// X-Forwarded-For (see security/network_policy.h for the rules).
//
//   AllowlistStage stage(policy, RefuseMode::kClose);
//   switch (stage.AtAccept(socket.remote_endpoint())) { ... }
//
// Refusals are logged as "network_refused" event lines naming the address
// and the rule, at most one line per address per log interval (10 s): a
// peer hammering the port cannot flood the log; the next line it gets says
// how many refusals were left out meanwhile. network.refuse = close closes
// the connection unanswered; 403 answers once with a 403 error body and
// closes.
//
// Thread-safe: the policy is immutable; the log throttle locks itself.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "security/network_policy.h"
#include "server/api_error.h"
#include "util/clock.h"
#include "util/status.h"

namespace citadel::server {

enum class RefuseMode { kClose, kForbidden };

// "close" or "403"; InvalidArgument naming network.refuse otherwise.
Result<RefuseMode> ParseRefuseMode(std::string_view text);

enum class Admission { kAdmit, kClose, kForbidden };

// 403 permission_error "address_not_allowed": the answer under network.refuse = 403.
ApiError AddressNotAllowed();

// The address of a socket peer in the policy's form (IPv4 as mapped IPv6).
security::IpAddress ToIpAddress(const boost::asio::ip::address& address);

// One log line per key per interval. Thread-safe.
class LogThrottle {
 public:
  LogThrottle(const Clock& clock, std::int64_t interval_ms, size_t max_keys = 10000)
      : clock_(clock), interval_ms_(interval_ms), max_keys_(max_keys) {}
  // -1 when this event of `key` is not to be logged; else how many of its
  // events were left out since its last line.
  std::int64_t Admit(const std::string& key);

 private:
  struct Entry {
    std::int64_t logged_ms = 0;
    std::int64_t suppressed = 0;
  };
  const Clock& clock_;
  const std::int64_t interval_ms_;
  const size_t max_keys_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;  // guarded by mu_
};

class AllowlistStage {
 public:
  static constexpr std::int64_t kLogIntervalMs = 10000;

  AllowlistStage() = default;  // admits everyone
  // `clock` (default: the system's) times the refusal-log throttle.
  AllowlistStage(security::NetworkPolicy policy, RefuseMode mode, const Clock* clock = nullptr);

  // At accept: the verdict on the connecting peer (logged when refused).
  Admission AtAccept(const security::IpAddress& peer) const;
  // After the headers: the client the request is from (`peer`, or the
  // address a trusted proxy forwarded) and whether it is admitted.
  struct Client {
    security::IpAddress address;
    Admission admission = Admission::kAdmit;
  };
  Client AfterHeaders(const security::IpAddress& peer, std::string_view forwarded_for) const;

 private:
  Admission Refuse(const security::IpAddress& address, std::string_view how) const;

  security::NetworkPolicy policy_;
  RefuseMode mode_ = RefuseMode::kClose;
  SystemClock system_clock_;
  mutable LogThrottle log_throttle_{system_clock_, kLogIntervalMs};
};

}  // namespace citadel::server
