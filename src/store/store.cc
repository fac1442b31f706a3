#include "store/store.h"

#include <cassert>

#include "store/sql_database.h"

namespace citadel::store {

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kAdmin:
      return "admin";
    case Role::kUser:
      return "user";
    case Role::kAuditor:
      return "auditor";
  }
  return "user";
}

Result<Role> ParseRole(std::string_view text) {
  for (Role role : {Role::kAdmin, Role::kUser, Role::kAuditor}) {
    if (text == RoleName(role)) return role;
  }
  return InvalidArgumentError("unknown role '" + std::string(text) +
                              "' (expected admin, user or auditor)");
}

std::int64_t AsInt(const SqlValue& value) {
  if (std::holds_alternative<std::nullptr_t>(value)) return 0;
  assert(std::holds_alternative<std::int64_t>(value) && "SQL column is not an integer");
  const auto* number = std::get_if<std::int64_t>(&value);
  return number == nullptr ? 0 : *number;
}

std::optional<std::int64_t> AsOptionalInt(const SqlValue& value) {
  if (std::holds_alternative<std::nullptr_t>(value)) return std::nullopt;
  return AsInt(value);
}

std::string AsText(const SqlValue& value) {
  if (const auto* text = std::get_if<std::string>(&value)) return *text;
  if (const auto* number = std::get_if<std::int64_t>(&value)) return std::to_string(*number);
  return "";
}

SqlValue OptionalInt(const std::optional<std::int64_t>& value) {
  if (!value) return nullptr;
  return *value;
}

}  // namespace citadel::store
