// libFuzzer target for the PII scanner: arbitrary bytes (valid UTF-8 or not)
// are scanned without a crash, and the spans are sorted, disjoint, inside
// the text and non-empty, in bytes and after conversion to code points.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "security/pii_scanner.h"

using citadel::security::PiiScanner;
using citadel::security::PiiSpan;

namespace {

void CheckSpans(const std::vector<PiiSpan>& spans, std::size_t limit) {
  std::size_t previous_end = 0;
  for (const PiiSpan& span : spans) {
    if (span.start >= span.end || span.end > limit || span.start < previous_end) std::abort();
    previous_end = span.end;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const PiiScanner scanner = [] {
    citadel::security::PiiScannerConfig config;
    config.custom.push_back({"ticket", "TK-[0-9]{4,8}"});
    return std::move(*PiiScanner::Create(config));
  }();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::vector<PiiSpan> spans = scanner.Scan(text);
  CheckSpans(spans, size);
  CheckSpans(citadel::security::ToCodePointSpans(text, spans), size);
  return 0;
}
