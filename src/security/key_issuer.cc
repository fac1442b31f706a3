#include "security/key_issuer.h"

#include <charconv>

#include "security/api_key.h"

namespace citadel::security {

Result<IssuedKey> IssueKey(store::Store& store, const KeySpec& spec, std::int64_t now) {
  CITADEL_ASSIGN_OR_RETURN(const ScopeSet scopes, ParseScopes(spec.scopes));
  if (spec.expires_at && *spec.expires_at <= now) {
    return InvalidArgumentError("the key's expiry must be in the future");
  }
  CITADEL_ASSIGN_OR_RETURN(GeneratedKey generated, GenerateApiKey());
  store::NewApiKey row;
  row.name = spec.name;
  row.owner_user_id = spec.owner_user_id;
  row.prefix = generated.prefix;
  row.hash_hex = generated.hash_hex;
  row.scopes = ScopeNames(scopes);
  row.allowed_models = spec.allowed_models;
  row.expires_at = spec.expires_at;
  row.limits = spec.limits;
  row.created_at = now;
  CITADEL_ASSIGN_OR_RETURN(store::ApiKey record, store.CreateKey(row));
  return IssuedKey{std::move(generated.key), std::move(record)};
}

Result<std::int64_t> ParseKeyLifetime(std::string_view text) {
  const auto bad = [&] {
    return InvalidArgumentError("key lifetime '" + std::string(text) +
                                "' is not a positive number followed by s, m, h, d or w "
                                "(for example 90d)");
  };
  if (text.empty()) return bad();
  std::int64_t unit = 1;
  std::string_view digits = text;
  const char suffix = text.back();
  if (suffix < '0' || suffix > '9') {
    digits.remove_suffix(1);
    switch (suffix) {
      case 's':
        break;
      case 'm':
        unit = 60;
        break;
      case 'h':
        unit = 3600;
        break;
      case 'd':
        unit = 86400;
        break;
      case 'w':
        unit = 7 * 86400;
        break;
      default:
        return bad();
    }
  }
  std::int64_t count = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), count);
  if (ec != std::errc() || end != digits.data() + digits.size() || count <= 0 ||
      count > (std::int64_t{100} * 366 * 86400) / unit) {
    return bad();
  }
  return count * unit;
}

}  // namespace citadel::security
