#include "server/admin_request.h"

#include <initializer_list>
#include <nlohmann/json.hpp>

namespace citadel::server {
namespace {

using Json = nlohmann::json;

ApiResult<Json> ParseObject(std::string_view body, std::initializer_list<const char*> fields) {
  Json object;
  try {
    object = Json::parse(body.begin(), body.end());
  } catch (const Json::parse_error& e) {
    return BadRequest(std::string("Malformed JSON body: ") + e.what(), "", "invalid_json");
  }
  if (!object.is_object()) return BadRequest("The request body must be a JSON object");
  for (const auto& [key, value] : object.items()) {
    bool known = false;
    for (const char* field : fields) known = known || key == field;
    if (!known) return BadRequest("Unknown field '" + key + "'", key, "unknown_parameter");
  }
  return object;
}

// Typed, optional fields of one object; null counts as absent.
class Fields {
 public:
  explicit Fields(const Json& object) : object_(object) {}

  const Json* Find(const char* name) const {
    auto it = object_.find(name);
    return it == object_.end() || it->is_null() ? nullptr : &*it;
  }
  std::optional<ApiError> String(const char* name, std::string& out, bool required) const {
    const Json* v = Find(name);
    if (v == nullptr) return required ? std::optional<ApiError>(Missing(name)) : std::nullopt;
    if (!v->is_string()) return Wrong(name, "a string");
    out = v->get<std::string>();
    return std::nullopt;
  }
  std::optional<ApiError> Strings(const char* name, std::optional<std::vector<std::string>>& out,
                                  bool required) const {
    const Json* v = Find(name);
    if (v == nullptr) return required ? std::optional<ApiError>(Missing(name)) : std::nullopt;
    if (!v->is_array()) return Wrong(name, "an array of strings");
    std::vector<std::string> items;
    for (const Json& item : *v) {
      if (!item.is_string()) return Wrong(name, "an array of strings");
      items.push_back(item.get<std::string>());
    }
    out = std::move(items);
    return std::nullopt;
  }
  std::optional<ApiError> Count(const char* name, std::optional<std::int64_t>& out) const {
    const Json* v = Find(name);
    if (v == nullptr) return std::nullopt;
    if (!v->is_number_integer() || v->get<std::int64_t>() < 1) {
      return Wrong(name, "a positive integer");
    }
    out = v->get<std::int64_t>();
    return std::nullopt;
  }

 private:
  static ApiError Missing(const char* name) {
    return BadRequest(std::string("'") + name + "' is required", name,
                      "missing_required_parameter");
  }
  static ApiError Wrong(const char* name, const char* type) {
    return BadRequest(std::string("'") + name + "' must be " + type, name, "invalid_type");
  }
  const Json& object_;
};

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

ApiResult<AdminUserRequest> ParseAdminUserRequest(std::string_view body) {
  ApiResult<Json> object = ParseObject(body, {"name", "display_name", "role", "password"});
  if (!object.ok()) return object.error();
  const Fields fields(*object);
  AdminUserRequest request;
  std::string role = "user";
  std::string password;
  if (auto e = fields.String("name", request.name, true)) return *e;
  if (auto e = fields.String("display_name", request.display_name, false)) return *e;
  if (auto e = fields.String("role", role, false)) return *e;
  if (auto e = fields.String("password", password, false)) return *e;
  auto parsed_role = store::ParseRole(role);
  if (!parsed_role.ok()) return FromStatus(parsed_role.status(), "role");
  request.role = *parsed_role;
  if (fields.Find("password") != nullptr) request.password = std::move(password);
  return request;
}

ApiResult<std::optional<std::string>> ParseAdminPasswordRequest(std::string_view body) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return std::optional<std::string>();
  }
  ApiResult<Json> object = ParseObject(body, {"password"});
  if (!object.ok()) return object.error();
  const Fields fields(*object);
  std::string password;
  if (auto e = fields.String("password", password, false)) return *e;
  if (fields.Find("password") == nullptr) return std::optional<std::string>();
  return std::optional<std::string>(std::move(password));
}

ApiResult<AdminKeyRequest> ParseAdminKeyRequest(std::string_view body) {
  ApiResult<Json> object = ParseObject(
      body, {"name", "user", "scopes", "models", "rpm", "tpm", "streams", "expires", "expires_at"});
  if (!object.ok()) return object.error();
  const Fields fields(*object);
  AdminKeyRequest request;
  security::KeySpec& spec = request.spec;
  std::optional<std::vector<std::string>> scopes;
  if (auto e = fields.String("name", spec.name, true)) return *e;
  if (auto e = fields.String("user", request.user, false)) return *e;
  if (auto e = fields.Strings("scopes", scopes, true)) return *e;
  if (auto e = fields.Strings("models", spec.allowed_models, false)) return *e;
  if (auto e = fields.Count("rpm", spec.limits.requests_per_minute)) return *e;
  if (auto e = fields.Count("tpm", spec.limits.tokens_per_minute)) return *e;
  if (auto e = fields.Count("streams", spec.limits.concurrent_streams)) return *e;
  if (auto e = fields.String("expires", request.expires, false)) return *e;
  if (auto e = fields.Count("expires_at", spec.expires_at)) return *e;
  if (!request.expires.empty() && spec.expires_at) {
    return BadRequest("Give 'expires' or 'expires_at', not both", "expires");
  }
  spec.scopes = std::move(scopes).value();
  return request;
}

ApiResult<std::string> PercentDecode(std::string_view text, bool query) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+' && query) {
      out += ' ';
    } else if (text[i] != '%') {
      out += text[i];
    } else {
      const int high = i + 2 < text.size() ? HexValue(text[i + 1]) : -1;
      const int low = i + 2 < text.size() ? HexValue(text[i + 2]) : -1;
      if (high < 0 || low < 0) return BadRequest("Malformed %-escape in the request path");
      out += static_cast<char>(high * 16 + low);
      i += 2;
    }
  }
  return out;
}

ApiResult<std::string> QueryParameter(std::string_view target, std::string_view name) {
  const size_t question = target.find('?');
  if (question == std::string_view::npos) return std::string();
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const size_t eq = pair.find('=');
    if (pair.substr(0, eq) == name) {
      return PercentDecode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::string();
}

}  // namespace citadel::server
