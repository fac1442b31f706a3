#include "security/pii_redactor.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "security/text_normalize.h"

namespace citadel::security {
namespace {

bool IsAsciiAlnum(unsigned char c) {
  return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

// A character that is masked (letters, digits, any non-ASCII character);
// ASCII punctuation and spaces are the separators that keep the shape.
bool Maskable(unsigned char lead) {
  return lead >= 0x80 || IsAsciiAlnum(lead);
}

std::size_t CountMaskable(std::string_view text) {
  std::size_t count = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    char32_t cp = 0;
    const std::size_t length = DecodeUtf8(text, pos, cp);
    count += Maskable(static_cast<unsigned char>(text[pos]));
    pos += length;
  }
  return count;
}

// Every maskable character but the first `head` and last `tail` becomes '*'.
std::string MaskMiddle(std::string_view text, std::size_t head, std::size_t tail) {
  const std::size_t total = CountMaskable(text);
  if (head + tail >= total) head = tail = 0;  // too short to show anything
  std::string out;
  std::size_t index = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    char32_t cp = 0;
    const std::size_t length = DecodeUtf8(text, pos, cp);
    if (Maskable(static_cast<unsigned char>(text[pos]))) {
      const bool shown = index < head || index >= total - tail;
      ++index;
      if (!shown) {
        out.push_back('*');
        pos += length;
        continue;
      }
    }
    out.append(text.substr(pos, length));
    pos += length;
  }
  return out;
}

std::size_t LeadingDigits(std::string_view text) {
  std::size_t pos = 0;
  while (pos < text.size() && !IsAsciiAlnum(static_cast<unsigned char>(text[pos]))) ++pos;
  std::size_t count = 0;
  while (pos + count < text.size() && text[pos + count] >= '0' && text[pos + count] <= '9') {
    ++count;
  }
  return count;
}

// Keeps text[0, keep) and masks every maskable character after it.
std::string KeepPrefix(std::string_view text, std::size_t keep) {
  if (keep == std::string_view::npos || keep >= text.size()) return MaskMiddle(text, 0, 0);
  return std::string(text.substr(0, keep)) + MaskMiddle(text.substr(keep), 0, 0);
}

std::string MaskValue(std::string_view value, PiiType type) {
  switch (type) {
    case PiiType::kCnId:
    case PiiType::kBankCard:
      return MaskMiddle(value, 4, 4);
    case PiiType::kCnMobile: {
      const std::size_t digits = CountMaskable(value);
      return MaskMiddle(value, digits > 11 ? digits - 8 : 3, 4);
    }
    case PiiType::kLandline:
      return MaskMiddle(value, LeadingDigits(value), 4);
    case PiiType::kEmail: {
      const std::size_t at = value.find('@');
      return MaskMiddle(value.substr(0, at), 1, 0) + std::string(value.substr(at));
    }
    case PiiType::kIpv4: {
      const std::size_t second_dot = value.find('.', value.find('.') + 1);
      return KeepPrefix(value, second_dot == std::string_view::npos ? 0 : second_dot + 1);
    }
    case PiiType::kIpv6: {
      const std::size_t colon = value.find(':');
      return KeepPrefix(value, colon == std::string_view::npos ? 0 : colon + 1);
    }
    case PiiType::kPassport:
      return MaskMiddle(value, 1, 2);
    case PiiType::kCustom:
      return MaskMiddle(value, 0, 0);
  }
  return MaskMiddle(value, 0, 0);
}

// Letters and digits, lower-cased; a mobile number without its +86.
std::string Canonical(std::string_view value, PiiType type) {
  std::string out;
  for (const char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) {
      out.push_back(c);
    } else if (IsAsciiAlnum(u)) {
      out.push_back(static_cast<char>(u >= 'A' && u <= 'Z' ? u + 0x20 : u));
    }
  }
  if (type == PiiType::kCnMobile && out.size() == 13 && out.starts_with("86")) out.erase(0, 2);
  return out;
}

std::string HmacHex(std::string_view key, std::string_view message, std::size_t hex_digits) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &length);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length && out.size() < hex_digits; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 15]);
  }
  return out;
}

}  // namespace

Result<RedactionMode> ParseRedactionMode(std::string_view text) {
  if (text == "mask") return RedactionMode::kMask;
  if (text == "hash") return RedactionMode::kHash;
  if (text == "drop") return RedactionMode::kDrop;
  return InvalidArgumentError("redaction mode '" + std::string(text) +
                              "' is not one of mask, hash, drop");
}

Result<PiiRedactor> PiiRedactor::Create(const PiiScanner& scanner, RedactionMode mode,
                                        std::string hash_key) {
  if (mode == RedactionMode::kHash && hash_key.empty()) {
    return InvalidArgumentError("redaction mode hash needs a key");
  }
  return PiiRedactor(scanner, mode, std::move(hash_key));
}

std::string PiiRedactor::Replacement(std::string_view value, const PiiSpan& span) const {
  switch (mode_) {
    case RedactionMode::kMask:
      return MaskValue(value, span.type);
    case RedactionMode::kHash: {
      const std::string type(scanner_->TypeName(span));
      return "[" + type + ":" + HmacHex(key_, type + ":" + Canonical(value, span.type), 16) + "]";
    }
    case RedactionMode::kDrop:
      return "";
  }
  return "";
}

std::string PiiRedactor::Apply(std::string_view text, const std::vector<PiiSpan>& spans) const {
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  for (const PiiSpan& span : spans) {
    if (span.start < pos || span.end > text.size()) continue;  // not sorted/disjoint: skip
    out.append(text.substr(pos, span.start - pos));
    out += Replacement(text.substr(span.start, span.size()), span);
    pos = span.end;
  }
  out.append(text.substr(pos));
  return out;
}

std::string PiiRedactor::Redact(std::string_view text) const {
  return Apply(text, scanner_->Scan(text));
}

}  // namespace citadel::security
