// PiiRedactor: replaces the personal data a PiiScanner finds.
//
//   mask  keeps the shape and a few characters, so the type stays visible:
//         11010519491231002X -> 1101**********002X, 138 1234 5678 ->
//         138 **** 5678, zhang.san@qq.com -> z********@qq.com,
//         10.1.2.3 -> 10.1.*.*; separators stay where they were
//   hash  "[TYPE:16 hex digits]" of HMAC-SHA256(key, TYPE ":" canonical
//         value), canonical = the digits and letters, lower-cased, so the
//         same number written "138 1234 5678" or "+86 13812345678" hashes
//         alike across records, and without the key nothing is learned
//   drop  removes the value
//
// Used for the prompt (dlp.mode = mask), and for captured text in audit
// records and logs, which must never hold a detected value.
//
// Thread-safe after construction (const; the scanner is borrowed and must
// outlive the redactor).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "security/pii_scanner.h"
#include "util/status.h"

namespace citadel::security {

enum class RedactionMode { kMask, kHash, kDrop };

// "mask", "hash", "drop"; InvalidArgument otherwise.
Result<RedactionMode> ParseRedactionMode(std::string_view text);

class PiiRedactor {
 public:
  // `hash_key` is required (non-empty) for kHash.
  static Result<PiiRedactor> Create(const PiiScanner& scanner, RedactionMode mode,
                                    std::string hash_key = "");

  // Scans and redacts `text`.
  std::string Redact(std::string_view text) const;
  // Redacts the given spans (byte offsets over `text`, sorted, disjoint, as
  // PiiScanner::Scan returns them).
  std::string Apply(std::string_view text, const std::vector<PiiSpan>& spans) const;

 private:
  PiiRedactor(const PiiScanner& scanner, RedactionMode mode, std::string key)
      : scanner_(&scanner), mode_(mode), key_(std::move(key)) {}
  std::string Replacement(std::string_view value, const PiiSpan& span) const;

  const PiiScanner* scanner_;
  RedactionMode mode_;
  std::string key_;
};

}  // namespace citadel::security
