#include "store/text_rules.h"

#include <cstdint>

namespace citadel::store {
namespace {

// Length of the UTF-8 sequence starting at text[at], or 0 when it is invalid
// (overlong forms, surrogates and values past U+10FFFF included).
size_t Utf8Length(std::string_view text, size_t at) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(at);
  if (lead < 0x80) return 1;
  size_t length = 0;
  std::uint32_t min = 0;
  std::uint32_t code = 0;
  if ((lead & 0xe0) == 0xc0) {
    length = 2, min = 0x80, code = lead & 0x1f;
  } else if ((lead & 0xf0) == 0xe0) {
    length = 3, min = 0x800, code = lead & 0x0f;
  } else if ((lead & 0xf8) == 0xf0) {
    length = 4, min = 0x10000, code = lead & 0x07;
  } else {
    return 0;
  }
  if (at + length > text.size()) return 0;
  for (size_t i = 1; i < length; ++i) {
    if ((byte(at + i) & 0xc0) != 0x80) return 0;
    code = (code << 6) | (byte(at + i) & 0x3f);
  }
  if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return 0;
  return length;
}

}  // namespace

Status CheckText(std::string_view field, std::string_view text, TextKind kind, size_t max_bytes,
                 bool allow_empty) {
  const std::string name(field);
  if (text.empty() && !allow_empty) return InvalidArgumentError(name + " must not be empty");
  if (text.size() > max_bytes) {
    return InvalidArgumentError(name + " is " + std::to_string(text.size()) +
                                " bytes long; at most " + std::to_string(max_bytes) +
                                " are allowed");
  }
  for (size_t at = 0; at < text.size();) {
    const size_t length = Utf8Length(text, at);
    if (length == 0) {
      return InvalidArgumentError(name + " is not valid UTF-8 (byte " + std::to_string(at) + ")");
    }
    const unsigned char c = static_cast<unsigned char>(text[at]);
    if (c == 0) {
      return InvalidArgumentError(name + " contains a NUL byte (byte " + std::to_string(at) + ")");
    }
    if (kind == TextKind::kIdentifier && (c < 0x20 || c == 0x7f)) {
      return InvalidArgumentError(name + " contains a control character (byte " +
                                  std::to_string(at) + ")");
    }
    at += length;
  }
  return OkStatus();
}

Result<std::string> JoinList(std::string_view field, const std::vector<std::string>& items,
                             char separator) {
  std::string joined;
  for (const std::string& item : items) {
    CITADEL_TRY(CheckText(field, item, TextKind::kIdentifier, 256, false));
    if (item.find(separator) != std::string::npos) {
      return InvalidArgumentError(std::string(field) + " item '" + item + "' may not contain '" +
                                  std::string(1, separator) + "'");
    }
    if (!joined.empty()) joined += separator;
    joined += item;
  }
  return joined;
}

std::vector<std::string> SplitList(std::string_view text, char separator) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(separator, start);
    if (end == std::string_view::npos) end = text.size();
    if (end > start) items.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return items;
}

}  // namespace citadel::store
