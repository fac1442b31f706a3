#include "server/store_setup.h"

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "security/ip_address.h"
#include "security/password_bootstrap.h"
#include "store/store_url.h"
#include "util/clock.h"

namespace citadel::server {

Result<std::unique_ptr<store::Store>> OpenStoreFromSettings(const Settings& settings) {
  std::string url = settings.GetString("store.url");
  if (url.empty()) url = store::DefaultStoreUrl(settings.GetString("store.data_dir"));
  auto opened = store::OpenStore(url);
  if (!opened.ok())
    return opened.status().WithContext("opening the store " + store::RedactStoreUrl(url));
  std::unique_ptr<store::Store> store = std::move(opened).value();
  std::optional<std::string> password;
  if (const char* env = std::getenv("CITADEL_ADMIN_PASSWORD")) password = env;
  const SystemClock clock;
  auto bootstrap = security::EnsureAdminUser(*store, password, clock.UnixSeconds());
  if (!bootstrap.ok()) return bootstrap.status().WithContext("creating the first admin user");
  if (bootstrap->created && !bootstrap->generated_password.empty()) {
    std::fprintf(stderr,
                 "citadel: created user 'admin' with password %s (shown once; change it with "
                 "`citadel users passwd admin`)\n",
                 bootstrap->generated_password.c_str());
  } else if (bootstrap->created) {
    std::fprintf(stderr,
                 "citadel: created user 'admin' with the password in CITADEL_ADMIN_PASSWORD\n");
  }
  return store;
}

bool IsLoopbackHost(std::string_view host) {
  if (host == "localhost") return true;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  auto address = security::ParseIpAddress(host);
  if (!address.ok()) return false;
  for (const char* block : {"127.0.0.0/8", "::1/128"}) {
    if (security::ParseCidr(block)->Contains(*address)) return true;
  }
  return false;
}

Status SetUpAccess(const Settings& settings, ServerState& state) {
  CITADEL_ASSIGN_OR_RETURN(state.access.mode, ParseAuthMode(settings.GetString("auth.mode")));
  state.access.metrics_require_key = settings.GetBool("metrics.require_key");
  const std::string& host = settings.GetString("server.host");
  if (state.access.mode == AuthMode::kNone && !IsLoopbackHost(host)) {
    return InvalidArgumentError(
        "auth.mode = none is allowed only on a loopback server.host "
        "(127.0.0.1, ::1, localhost), not on '" +
        host + "'");
  }
  CITADEL_ASSIGN_OR_RETURN(state.store, OpenStoreFromSettings(settings));
  state.keys = std::make_unique<security::KeyAuthenticator>(*state.store, state.clock);
  return OkStatus();
}

std::string AccessSummary(const AccessOptions& access) {
  if (access.mode == AuthMode::kKeys) return "API keys required";
  return "auth.mode = none: the model API needs no key (loopback only); /admin still does";
}

}  // namespace citadel::server
