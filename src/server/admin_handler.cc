#include "server/admin_handler.h"

#include <charconv>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "security/key_issuer.h"
#include "security/password_hasher.h"
#include "server/admin_json.h"
#include "server/admin_request.h"

namespace citadel::server {
namespace {

using Json = nlohmann::ordered_json;
constexpr std::string_view kRoot = "/admin/v1/";

HttpResponse Reply(int status, const Json& body) {
  return JsonResponse(status, body.dump());
}
HttpResponse Refuse(const ApiError& error) {
  return ErrorResponse(error);
}

// A store failure as an answer; a taken name is 409.
HttpResponse StoreFailure(const Status& status, std::string param = "") {
  if (status.code() == StatusCode::kAlreadyExists) {
    return Refuse(
        {409, status.message(), "invalid_request_error", std::move(param), "already_exists"});
  }
  return Refuse(FromStatus(status, std::move(param)));
}

template <typename T, typename ToJson>
HttpResponse ListReply(const std::vector<T>& items, ToJson to_json) {
  Json data = Json::array();
  for (const T& item : items) data.push_back(to_json(item));
  return Reply(200, {{"object", "list"}, {"data", std::move(data)}});
}

// "a/b/c" -> {"a","b","c"}.
std::vector<std::string_view> Split(std::string_view rest) {
  std::vector<std::string_view> parts;
  while (!rest.empty()) {
    const size_t slash = rest.find('/');
    parts.push_back(rest.substr(0, slash));
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return parts;
}

// The password to set: the one given, or a generated one (also in `generated`).
Result<std::string> PasswordHash(const std::optional<std::string>& given, std::string& generated) {
  if (!given) {
    CITADEL_ASSIGN_OR_RETURN(generated, security::RandomPassword());
  }
  return security::HashPassword(given ? *given : generated);
}

HttpResponse CreateUser(ServerState& state, const HttpRequest& request) {
  ApiResult<AdminUserRequest> parsed = ParseAdminUserRequest(request.body);
  if (!parsed.ok()) return Refuse(parsed.error());
  std::string generated;
  auto hash = PasswordHash(parsed->password, generated);
  if (!hash.ok()) return Refuse(FromStatus(hash.status(), "password"));
  auto user = state.store->CreateUser(
      {parsed->name, parsed->display_name, parsed->role, *hash, state.clock.UnixSeconds()});
  if (!user.ok()) return StoreFailure(user.status(), "name");
  return Reply(201, UserJson(*user, generated));
}

HttpResponse SetPassword(ServerState& state, const HttpRequest& request, const std::string& name) {
  ApiResult<std::optional<std::string>> parsed = ParseAdminPasswordRequest(request.body);
  if (!parsed.ok()) return Refuse(parsed.error());
  std::string generated;
  auto hash = PasswordHash(*parsed, generated);
  if (!hash.ok()) return Refuse(FromStatus(hash.status(), "password"));
  auto user = state.store->SetUserPassword(name, *hash);
  if (!user.ok()) return StoreFailure(user.status());
  return Reply(200, UserJson(*user, generated));
}

// One admin request: its path split after /admin/v1/, and the answers every
// collection shares.
struct AdminCall {
  ServerState& state;
  const HttpRequest& request;
  std::string_view path;
  std::vector<std::string_view> parts;  // {"users", "ada", "disable"}
  bool get = request.method == "GET" || request.method == "HEAD";
  bool post = request.method == "POST";

  HttpResponse WrongMethod() const {
    return Refuse(MethodNotAllowed(request.method, std::string(path)));
  }
  HttpResponse NoRoute() const { return Refuse(RouteNotFound(request.method, std::string(path))); }
};

HttpResponse Users(const AdminCall& call) {
  if (call.parts.size() == 1) {
    if (call.post) return CreateUser(call.state, call.request);
    if (!call.get) return call.WrongMethod();
    auto users = call.state.store->ListUsers();
    if (!users.ok()) return StoreFailure(users.status());
    return ListReply(*users, [](const store::User& u) { return UserJson(u); });
  }
  ApiResult<std::string> name = PercentDecode(call.parts[1], false);
  if (!name.ok()) return Refuse(name.error());
  if (call.parts.size() == 2) {
    if (!call.get) return call.WrongMethod();
    auto user = call.state.store->FindUser(*name);
    if (!user.ok()) return StoreFailure(user.status());
    return Reply(200, UserJson(*user));
  }
  if (call.parts.size() != 3) return call.NoRoute();
  const std::string_view action = call.parts[2];
  if (action != "disable" && action != "enable" && action != "password") {
    return call.NoRoute();
  }
  if (!call.post) return call.WrongMethod();
  if (action == "password") return SetPassword(call.state, call.request, *name);
  auto user = call.state.store->SetUserDisabled(*name, action == "disable");
  if (!user.ok()) return StoreFailure(user.status());
  return Reply(200, UserJson(*user));
}

HttpResponse CreateKey(ServerState& state, const HttpRequest& request) {
  ApiResult<AdminKeyRequest> parsed = ParseAdminKeyRequest(request.body);
  if (!parsed.ok()) return Refuse(parsed.error());
  security::KeySpec spec = parsed->spec;
  const std::int64_t now = state.clock.UnixSeconds();
  if (!parsed->user.empty()) {
    auto owner = state.store->FindUser(parsed->user);
    if (!owner.ok() && owner.status().code() == StatusCode::kNotFound) {
      return Refuse(BadRequest(owner.status().message(), "user", "unknown_user"));
    }
    if (!owner.ok()) return StoreFailure(owner.status());
    spec.owner_user_id = owner->id;
  }
  if (!parsed->expires.empty()) {
    auto lifetime = security::ParseKeyLifetime(parsed->expires);
    if (!lifetime.ok()) return Refuse(FromStatus(lifetime.status(), "expires"));
    spec.expires_at = now + *lifetime;
  }
  auto issued = security::IssueKey(*state.store, spec, now);
  if (!issued.ok()) return StoreFailure(issued.status());
  return Reply(201, IssuedKeyJson(issued->record, issued->key));
}

HttpResponse ListKeys(ServerState& state, const HttpRequest& request) {
  ApiResult<std::string> user = QueryParameter(request.target, "user");
  if (!user.ok()) return Refuse(user.error());
  std::optional<std::int64_t> owner;
  if (!user->empty()) {
    auto found = state.store->FindUser(*user);
    if (!found.ok()) return StoreFailure(found.status(), "user");
    owner = found->id;
  }
  auto keys = state.store->ListKeys(owner);
  if (!keys.ok()) return StoreFailure(keys.status());
  return ListReply(*keys, [](const store::ApiKey& k) { return KeyJson(k); });
}

HttpResponse Keys(const AdminCall& call) {
  if (call.parts.size() == 1) {
    if (call.post) return CreateKey(call.state, call.request);
    return call.get ? ListKeys(call.state, call.request) : call.WrongMethod();
  }
  std::int64_t id = 0;
  const std::string_view text = call.parts[1];
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id < 1) {
    return Refuse(BadRequest("A key id is a positive integer, not '" + std::string(text) + "'"));
  }
  const bool revoke = call.parts.size() == 3 && call.parts[2] == "revoke";
  if (call.parts.size() > 3 || (call.parts.size() == 3 && !revoke)) {
    return call.NoRoute();
  }
  if (revoke ? !call.post : !call.get) return call.WrongMethod();
  auto key = revoke ? call.state.store->RevokeKey(id, call.state.clock.UnixSeconds())
                    : call.state.store->FindKey(id);
  if (!key.ok()) return StoreFailure(key.status());
  return Reply(200, KeyJson(*key));
}

}  // namespace

HttpResponse HandleAdmin(ServerState& state, const HttpRequest& request, std::string_view path) {
  if (!path.starts_with(kRoot)) return Refuse(RouteNotFound(request.method, std::string(path)));
  if (state.store == nullptr) {
    return Refuse(Unavailable("This server has no store", "store_unavailable"));
  }
  const AdminCall call{state, request, path, Split(path.substr(kRoot.size()))};
  if (!call.parts.empty() && call.parts[0] == "users") return Users(call);
  if (!call.parts.empty() && call.parts[0] == "keys") return Keys(call);
  return call.NoRoute();
}

}  // namespace citadel::server
