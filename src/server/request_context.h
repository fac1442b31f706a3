// RequestContext: what the pipeline's stages learn about a request and hand
// to the later ones. The authenticate stage sets `identity`; the authorise
// and rate-limit stages, the handlers (model checks) and the request log and
// audit read it.
//
// Value type carried by HttpRequest; thread-compatible. The identity is
// shared with the key cache (read-only), so it stays valid for the whole
// request even when its key is revoked meanwhile.
#pragma once

#include <memory>

namespace citadel::security {
struct KeyIdentity;
}  // namespace citadel::security

namespace citadel::server {

struct RequestContext {
  // The caller's key; null on open routes (/health, /ready, /metrics) and
  // on the model API under auth.mode = none.
  std::shared_ptr<const security::KeyIdentity> identity;
};

}  // namespace citadel::server
