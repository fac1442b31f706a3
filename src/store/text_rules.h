// Rules for the text the store keeps: valid UTF-8, no NUL (PostgreSQL cannot
// hold one), a size limit per field, and for identifiers no control
// characters at all. Lists are stored joined by a separator their items
// may not contain.
//
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace citadel::store {

enum class TextKind {
  kIdentifier,  // user names, scopes, model ids, prefixes: no control characters
  kFreeText,    // display names, key names, titles, messages: any UTF-8 but NUL
};

// InvalidArgument naming `field` (and the byte offset) when `text` breaks the rules.
Status CheckText(std::string_view field, std::string_view text, TextKind kind, size_t max_bytes,
                 bool allow_empty = true);

// Joins items with `separator`; each item must be a non-empty identifier
// without the separator (InvalidArgument naming `field`).
Result<std::string> JoinList(std::string_view field, const std::vector<std::string>& items,
                             char separator);
std::vector<std::string> SplitList(std::string_view text, char separator);

}  // namespace citadel::store
