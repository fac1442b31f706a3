// AllowlistStage: the pipeline's second stage (accept -> allowlist -> TLS ->
// parse -> authenticate -> authorise -> rate-limit -> handler). It decides
// from the peer's address alone, at accept time, before a byte is read;
// and again after the headers when a trusted proxy names the client in
// X-Forwarded-For (see security/network_policy.h for the rules).
//
//   AllowlistStage stage(policy, RefuseMode::kClose);
//   switch (stage.AtAccept(socket.remote_endpoint())) { ... }
//
// Every refusal is logged as one "network_refused" event line naming the
// address and the rule. network.refuse = close closes the connection
// unanswered; 403 answers once with a 403 error body and closes.
//
// Immutable after construction; thread-safe.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <string>
#include <string_view>

#include "security/network_policy.h"
#include "server/api_error.h"
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

class AllowlistStage {
 public:
  AllowlistStage() = default;  // admits everyone
  AllowlistStage(security::NetworkPolicy policy, RefuseMode mode);

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
};

}  // namespace citadel::server
