// A custom PII pattern from pii.custom ({name, regex}): a PCRE2 regular
// expression (UTF mode, JIT-compiled when the platform allows) whose every
// match is a span of type `name`.
//
// Thread-safe after construction: Find allocates its own match data, so one
// pattern serves any number of threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "security/pii_span.h"
#include "util/status.h"

namespace citadel::security {

struct CustomPiiPatternSpec {
  std::string name;   // the span type printed for a match ("employee_id")
  std::string regex;  // PCRE2 syntax
};

class CustomPiiPattern {
 public:
  // InvalidArgument when the name is empty or not [a-z0-9_]+, or the regex
  // does not compile (the message gives PCRE2's reason and offset).
  static Result<CustomPiiPattern> Compile(const CustomPiiPatternSpec& spec);

  CustomPiiPattern(CustomPiiPattern&&) noexcept;
  CustomPiiPattern& operator=(CustomPiiPattern&&) noexcept;
  ~CustomPiiPattern();

  const std::string& name() const { return name_; }

  // Appends every non-empty, non-overlapping match in `text` (byte offsets)
  // as a kCustom span with `custom_index`. Invalid UTF-8 is matched as
  // bytes would be, never an error; a pattern that exceeds PCRE2's match
  // limit stops reporting for this text.
  void Find(std::string_view text, std::uint16_t custom_index, std::vector<PiiSpan>& out) const;

 private:
  struct Code;
  CustomPiiPattern(std::string name, std::unique_ptr<Code> code);
  std::string name_;
  std::unique_ptr<Code> code_;
};

}  // namespace citadel::security
