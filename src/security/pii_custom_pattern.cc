#define PCRE2_CODE_UNIT_WIDTH 8
#include "security/pii_custom_pattern.h"

#include <pcre2.h>

namespace citadel::security {

struct CustomPiiPattern::Code {
  pcre2_code* code = nullptr;
  ~Code() { pcre2_code_free(code); }
};

CustomPiiPattern::CustomPiiPattern(std::string name, std::unique_ptr<Code> code)
    : name_(std::move(name)), code_(std::move(code)) {}
CustomPiiPattern::CustomPiiPattern(CustomPiiPattern&&) noexcept = default;
CustomPiiPattern& CustomPiiPattern::operator=(CustomPiiPattern&&) noexcept = default;
CustomPiiPattern::~CustomPiiPattern() = default;

Result<CustomPiiPattern> CustomPiiPattern::Compile(const CustomPiiPatternSpec& spec) {
  if (spec.name.empty()) return InvalidArgumentError("pii.custom: a pattern has no name");
  for (const char c : spec.name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) {
      return InvalidArgumentError("pii.custom: name '" + spec.name +
                                  "' must be lower-case letters, digits and '_'");
    }
  }
  int error = 0;
  PCRE2_SIZE offset = 0;
  // No UTF check of the subject: scanned text may hold invalid UTF-8 and
  // PCRE2_MATCH_INVALID_UTF makes that safe.
  pcre2_code* code =
      pcre2_compile(reinterpret_cast<PCRE2_SPTR>(spec.regex.data()), spec.regex.size(),
                    PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &error, &offset, nullptr);
  if (code == nullptr) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error, message, sizeof(message));
    return InvalidArgumentError("pii.custom '" + spec.name + "': regex error at offset " +
                                std::to_string(offset) + ": " +
                                reinterpret_cast<const char*>(message));
  }
  (void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);  // the interpreter serves when JIT cannot
  auto owned = std::make_unique<Code>();
  owned->code = code;
  return CustomPiiPattern(spec.name, std::move(owned));
}

void CustomPiiPattern::Find(std::string_view text, std::uint16_t custom_index,
                            std::vector<PiiSpan>& out) const {
  pcre2_match_data* match = pcre2_match_data_create_from_pattern(code_->code, nullptr);
  if (match == nullptr) return;
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  PCRE2_SIZE pos = 0;
  while (pos <= text.size()) {
    const int rc = pcre2_match(code_->code, subject, text.size(), pos, 0, match, nullptr);
    if (rc < 0) break;  // no match, or a match/depth limit on hostile input
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match);
    const std::size_t start = ovector[0];
    const std::size_t end = ovector[1];
    if (end > start) {
      out.push_back(PiiSpan{start, end, PiiType::kCustom, custom_index});
      pos = end;
    } else {
      pos = end + 1;  // an empty match: step on (a later match starts at a character)
      while (pos < text.size() && (static_cast<unsigned char>(text[pos]) & 0xC0) == 0x80) ++pos;
    }
  }
  pcre2_match_data_free(match);
}

}  // namespace citadel::security
