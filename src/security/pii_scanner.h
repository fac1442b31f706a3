// PiiScanner: finds personal data in text. The built-in detectors (see
// pii_number_detector.h and pii_network_detector.h) run in one pass over
// the bytes, triggered by the few bytes a value can start with (a digit,
// '+', '(', an upper-case letter) or must contain ('@', ':'); everything
// else, which is most of a Chinese or English text, is skipped a word at a
// time. Custom patterns from pii.custom then run as PCRE2 regexes.
//
//   CITADEL_ASSIGN_OR_RETURN(PiiScanner scanner, PiiScanner::Create({}));
//   for (const PiiSpan& s : scanner.Scan(text)) ... s.start, s.end, s.type
//
// Spans are byte offsets, sorted, never overlapping: where two detectors
// claim overlapping bytes ("13812345678@qq.com") the longer span wins, then
// the earlier, then the built-in type.
//
// Thread-safe after Create: Scan is const and keeps no state.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "security/pii_custom_pattern.h"
#include "security/pii_span.h"
#include "util/status.h"

namespace citadel::security {

struct PiiScannerConfig {
  std::vector<CustomPiiPatternSpec> custom;  // pii.custom
};

class PiiScanner {
 public:
  // InvalidArgument for a custom pattern that does not compile or a
  // duplicate or built-in name.
  static Result<PiiScanner> Create(const PiiScannerConfig& config);

  // Every value found in `text` (UTF-8; invalid bytes are no error).
  std::vector<PiiSpan> Scan(std::string_view text) const;

  // The type name of a span: a built-in name or the custom pattern's name.
  std::string_view TypeName(const PiiSpan& span) const;

  // Built-in names, then custom names, in a fixed order (for summaries).
  std::vector<std::string> TypeNames() const;

 private:
  explicit PiiScanner(std::vector<CustomPiiPattern> custom) : custom_(std::move(custom)) {}
  std::vector<CustomPiiPattern> custom_;
};

}  // namespace citadel::security
