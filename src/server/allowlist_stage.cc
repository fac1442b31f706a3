#include "server/allowlist_stage.h"

#include <cstdio>

#include "server/request_log.h"

namespace citadel::server {

Result<RefuseMode> ParseRefuseMode(std::string_view text) {
  if (text == "close") return RefuseMode::kClose;
  if (text == "403") return RefuseMode::kForbidden;
  return InvalidArgumentError("setting network.refuse: '" + std::string(text) +
                              "' is not close or 403");
}

ApiError AddressNotAllowed() {
  return {403, "Your network address is not allowed to reach this server", "permission_error", "",
          "address_not_allowed"};
}

security::IpAddress ToIpAddress(const boost::asio::ip::address& address) {
  if (address.is_v4()) return security::IpAddress::FromV4(address.to_v4().to_uint());
  return security::IpAddress::FromV6(address.to_v6().to_bytes());
}

std::int64_t LogThrottle::Admit(const std::string& key) {
  const std::int64_t now = clock_.SteadyMillis();
  std::lock_guard lock(mu_);
  if (entries_.size() >= max_keys_ && entries_.count(key) == 0) {
    entries_.clear();  // bounded memory under a scan from many addresses
  }
  auto [it, fresh] = entries_.try_emplace(key);
  Entry& entry = it->second;
  if (!fresh && now - entry.logged_ms < interval_ms_) {
    ++entry.suppressed;
    return -1;
  }
  const std::int64_t suppressed = entry.suppressed;
  entry = {now, 0};
  return suppressed;
}

AllowlistStage::AllowlistStage(security::NetworkPolicy policy, RefuseMode mode, const Clock* clock)
    : policy_(std::move(policy)),
      mode_(mode),
      log_throttle_(clock != nullptr ? *clock : system_clock_, kLogIntervalMs) {}

Admission AllowlistStage::AtAccept(const security::IpAddress& peer) const {
  if (policy_.Admits(peer)) return Admission::kAdmit;
  return Refuse(peer, "peer");
}

AllowlistStage::Client AllowlistStage::AfterHeaders(const security::IpAddress& peer,
                                                    std::string_view forwarded_for) const {
  Client client{policy_.ClientAddress(peer, forwarded_for), Admission::kAdmit};
  if (!(client.address == peer) && !policy_.Admits(client.address)) {
    client.admission = Refuse(client.address, "forwarded client");
  }
  return client;
}

Admission AllowlistStage::Refuse(const security::IpAddress& address, std::string_view how) const {
  const bool close = mode_ == RefuseMode::kClose;
  const std::string text = address.ToString();
  const std::int64_t left_out = log_throttle_.Admit(text);
  if (left_out >= 0) {
    const std::string line = EventLogLine(
        "warn", "network_refused",
        std::string(how) + " " + text + " " + policy_.RefusalReason(address) +
            (close ? ": connection closed" : ": answered 403") +
            (left_out > 0 ? " (" + std::to_string(left_out) + " more refusals since its last line)"
                          : ""));
    std::fwrite(line.data(), 1, line.size(), stderr);
  }
  return close ? Admission::kClose : Admission::kForbidden;
}

}  // namespace citadel::server
