// libFuzzer target for the sensitive-word lexicon parser, matcher and
// stream filter: the first input line is a lexicon ('|'-separated terms),
// the rest the text. Parsing fails cleanly or builds a matcher; matches lie
// inside the text; the streamed output (pieces of 1..8 bytes) equals the
// whole-text output, and masking keeps the code-point count.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "security/stream_filter.h"
#include "security/word_filter.h"

using namespace citadel::security;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = input.find('\n');
  if (newline == std::string_view::npos) {
    (void)ParseWords(input, "fuzz");
    return 0;
  }
  std::string lexicon(input.substr(0, newline));
  for (char& c : lexicon) c = c == '|' ? '\n' : c;
  const std::string_view text = input.substr(newline + 1);
  auto terms = ParseWords(lexicon, "fuzz");
  if (!terms.ok()) return 0;
  auto built = WordMatcher::Build(*terms);
  if (!built.ok()) return 0;
  auto matcher = std::make_shared<const WordMatcher>(std::move(*built));
  std::vector<WordMatch> matches;
  matcher->FindAll(text, {}, matches);
  for (const WordMatch& m : matches) {
    if (m.start >= m.end || m.end > text.size()) std::abort();
  }
  for (const WordAction action : {WordAction::kMask, WordAction::kStop}) {
    const FilterChunk whole = FilterText(matcher, action, text);
    StreamFilter filter(matcher, action);
    std::string streamed;
    for (std::size_t pos = 0, step = 1; pos < text.size(); pos += step, step = step % 8 + 1) {
      streamed += filter.Push(text.substr(pos, std::min(step, text.size() - pos))).text;
    }
    streamed += filter.Finish().text;
    if (streamed != whole.text) std::abort();
  }
  return 0;
}
