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

HttpResponse Users(ServerState& state, const HttpRequest& request,
                   const std::vector<std::string_view>& parts, std::string_view path) {
  const bool get = request.method == "GET" || request.method == "HEAD";
  const bool post = request.method == "POST";
  const auto wrong_method = [&] {
    return Refuse(MethodNotAllowed(request.method, std::string(path)));
  };
  if (parts.size() == 1) {
    if (post) return CreateUser(state, request);
    if (!get) return wrong_method();
    auto users = state.store->ListUsers();
    if (!users.ok()) return StoreFailure(users.status());
    return ListReply(*users, [](const store::User& u) { return UserJson(u); });
  }
  ApiResult<std::string> name = PercentDecode(parts[1], false);
  if (!name.ok()) return Refuse(name.error());
  if (parts.size() == 2) {
    if (!get) return wrong_method();
    auto user = state.store->FindUser(*name);
    if (!user.ok()) return StoreFailure(user.status());
    return Reply(200, UserJson(*user));
  }
  if (parts.size() != 3) return Refuse(RouteNotFound(request.method, std::string(path)));
  const std::string_view action = parts[2];
  if (action != "disable" && action != "enable" && action != "password") {
    return Refuse(RouteNotFound(request.method, std::string(path)));
  }
  if (!post) return wrong_method();
  if (action == "password") return SetPassword(state, request, *name);
  auto user = state.store->SetUserDisabled(*name, action == "disable");
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

HttpResponse Keys(ServerState& state, const HttpRequest& request,
                  const std::vector<std::string_view>& parts, std::string_view path) {
  const bool get = request.method == "GET" || request.method == "HEAD";
  const bool post = request.method == "POST";
  const auto wrong_method = [&] {
    return Refuse(MethodNotAllowed(request.method, std::string(path)));
  };
  if (parts.size() == 1) {
    if (post) return CreateKey(state, request);
    return get ? ListKeys(state, request) : wrong_method();
  }
  std::int64_t id = 0;
  const std::string_view text = parts[1];
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id < 1) {
    return Refuse(BadRequest("A key id is a positive integer, not '" + std::string(text) + "'"));
  }
  const bool revoke = parts.size() == 3 && parts[2] == "revoke";
  if (parts.size() > 3 || (parts.size() == 3 && !revoke)) {
    return Refuse(RouteNotFound(request.method, std::string(path)));
  }
  if (revoke ? !post : !get) return wrong_method();
  auto key =
      revoke ? state.store->RevokeKey(id, state.clock.UnixSeconds()) : state.store->FindKey(id);
  if (!key.ok()) return StoreFailure(key.status());
  return Reply(200, KeyJson(*key));
}

}  // namespace

HttpResponse HandleAdmin(ServerState& state, const HttpRequest& request, std::string_view path) {
  if (!path.starts_with(kRoot)) return Refuse(RouteNotFound(request.method, std::string(path)));
  if (state.store == nullptr) {
    return Refuse(Unavailable("This server has no store", "store_unavailable"));
  }
  const std::vector<std::string_view> parts = Split(path.substr(kRoot.size()));
  if (!parts.empty() && parts[0] == "users") return Users(state, request, parts, path);
  if (!parts.empty() && parts[0] == "keys") return Keys(state, request, parts, path);
  return Refuse(RouteNotFound(request.method, std::string(path)));
}

}  // namespace citadel::server
