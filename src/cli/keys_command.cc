// `citadel keys create --name N [--user U] --scopes a,b [--models m1,m2]
//   [--rpm N] [--tpm N] [--streams N] [--expires 90d] [--json]`: prints the
// key once (--json: {"id","key","prefix",...}).
// `citadel keys list [--user U]|show ID|revoke ID [--json]`.
// All take --data-dir, --config and --set store.url=....
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/store_access.h"
#include "security/key_issuer.h"
#include "server/admin_json.h"
#include "util/clock.h"

namespace citadel::cli {
namespace {

struct KeysOptions {
  StoreFlags store;
  std::string name;
  std::string user;
  std::vector<std::string> scopes;
  std::vector<std::string> models;
  std::optional<std::int64_t> rpm, tpm, streams;
  std::string expires;
  std::int64_t id = 0;
};

void PrintKey(const store::ApiKey& key, bool json, const std::string& secret = "") {
  if (json) {
    const nlohmann::ordered_json out =
        secret.empty() ? server::KeyJson(key) : server::IssuedKeyJson(key, secret);
    std::printf("%s\n", out.dump(2).c_str());
    return;
  }
  std::string scopes;
  for (const std::string& s : key.scopes) scopes += (scopes.empty() ? "" : ",") + s;
  std::printf("%-6lld cit_%s...  %-8s %-24s %-10s %s\n", static_cast<long long>(key.id),
              key.prefix.c_str(), key.revoked ? "revoked" : "active", scopes.c_str(),
              key.owner_name.empty() ? "-" : key.owner_name.c_str(), key.name.c_str());
  if (!secret.empty()) std::printf("key: %s  (shown once; store it now)\n", secret.c_str());
}

Result<security::KeySpec> SpecFrom(const KeysOptions& o, store::Store& store, std::int64_t now) {
  security::KeySpec spec;
  spec.name = o.name;
  spec.scopes = o.scopes;
  if (!o.models.empty()) spec.allowed_models = o.models;
  spec.limits = {o.rpm, o.tpm, o.streams};
  if (!o.user.empty()) {
    CITADEL_ASSIGN_OR_RETURN(const store::User owner, store.FindUser(o.user));
    spec.owner_user_id = owner.id;
  }
  if (!o.expires.empty()) {
    CITADEL_ASSIGN_OR_RETURN(const std::int64_t lifetime, security::ParseKeyLifetime(o.expires));
    spec.expires_at = now + lifetime;
  }
  return spec;
}

Status RunKeys(const std::string& action, const KeysOptions& o) {
  CITADEL_ASSIGN_OR_RETURN(auto store, OpenStoreFromFlags(o.store));
  SystemClock clock;
  if (action == "create") {
    CITADEL_ASSIGN_OR_RETURN(const security::KeySpec spec,
                             SpecFrom(o, *store, clock.UnixSeconds()));
    CITADEL_ASSIGN_OR_RETURN(auto issued, security::IssueKey(*store, spec, clock.UnixSeconds()));
    PrintKey(issued.record, o.store.json, issued.key);
    return OkStatus();
  }
  if (action == "list") {
    std::optional<std::int64_t> owner;
    if (!o.user.empty()) {
      CITADEL_ASSIGN_OR_RETURN(const store::User user, store->FindUser(o.user));
      owner = user.id;
    }
    CITADEL_ASSIGN_OR_RETURN(auto keys, store->ListKeys(owner));
    if (o.store.json) {
      nlohmann::ordered_json out = nlohmann::ordered_json::array();
      for (const store::ApiKey& key : keys) out.push_back(server::KeyJson(key));
      std::printf("%s\n", out.dump(2).c_str());
      return OkStatus();
    }
    for (const store::ApiKey& key : keys) PrintKey(key, false);
    return OkStatus();
  }
  Result<store::ApiKey> key =
      action == "show" ? store->FindKey(o.id) : store->RevokeKey(o.id, clock.UnixSeconds());
  CITADEL_TRY(key.status());
  PrintKey(*key, o.store.json);
  return OkStatus();
}

}  // namespace

void RegisterKeysCommand(CLI::App& app, CommandResult& result) {
  auto options = std::make_shared<KeysOptions>();
  CLI::App* cmd = app.add_subcommand("keys", "Manage API keys");
  cmd->require_subcommand(1);
  const auto action = [&](const std::string& name, const std::string& help) {
    CLI::App* sub = cmd->add_subcommand(name, help);
    AddStoreFlags(sub, options->store);
    sub->callback([options, &result, name] { result.status = RunKeys(name, *options); });
    return sub;
  };
  CLI::App* create = action("create", "Create a key (printed once)");
  create->add_option("--name", options->name, "what the key is for")->required();
  create->add_option("--user", options->user, "owner (a user name); none: a service key");
  create
      ->add_option("--scopes", options->scopes,
                   "chat, completions, models:read, embeddings, admin, audit:read")
      ->delimiter(',')
      ->required();
  create->add_option("--models", options->models, "models the key may use (default: all)")
      ->delimiter(',');
  create->add_option("--rpm", options->rpm, "requests per minute");
  create->add_option("--tpm", options->tpm, "tokens per minute");
  create->add_option("--streams", options->streams, "concurrent streams");
  create->add_option("--expires", options->expires, "lifetime, e.g. 90d, 12h, 2w");
  action("list", "List keys")->add_option("--user", options->user, "only this user's keys");
  action("show", "Show one key")->add_option("id", options->id, "key id")->required();
  action("revoke", "Revoke a key (takes effect within a second everywhere)")
      ->add_option("id", options->id, "key id")
      ->required();
}

}  // namespace citadel::cli
