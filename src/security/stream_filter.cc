#include "security/stream_filter.h"

#include <algorithm>
#include <array>

#include "security/text_normalize.h"

namespace citadel::security {
namespace {

// Start of the shortest suffix of `text` holding `window` normalised
// characters (0 when the text holds fewer).
std::size_t HoldBackStart(std::string_view text, std::size_t window) {
  if (window == 0) return text.size();
  // Starts of the last `window` normalised characters, in a ring.
  std::array<std::size_t, WordMatcher::kMaxTermCodePoints> starts;
  std::size_t seen = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    char32_t cp = 0;
    const std::size_t length = DecodeUtf8(text, pos, cp);
    if (NormalizeCodePoint(cp) != kIgnoredCodePoint) starts[seen++ % window] = pos;
    pos += length;
  }
  return seen < window ? 0 : starts[seen % window];
}

bool EndsWithLatinWord(std::string_view text) {
  if (text.empty()) return false;
  std::size_t pos = text.size() - 1;
  while (pos > 0 && (static_cast<unsigned char>(text[pos]) & 0xC0) == 0x80) --pos;
  char32_t cp = 0;
  if (DecodeUtf8(text, pos, cp) != text.size() - pos) return false;
  return IsLatinWordCodePoint(NormalizeCodePoint(cp));
}

// Length of the prefix of `text` that ends on a whole UTF-8 character: a
// piece may end inside one, and its first bytes must wait for the rest.
std::size_t WholeCharacters(std::string_view text) {
  std::size_t pos = text.size();
  std::size_t back = 0;
  while (pos > 0 && back < 4 && (static_cast<unsigned char>(text[pos - 1]) & 0xC0) == 0x80) {
    --pos;
    ++back;
  }
  if (pos == 0) return text.size();
  const auto lead = static_cast<unsigned char>(text[pos - 1]);
  const std::size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
  return need > back + 1 && lead >= 0xC0 && lead <= 0xF4 ? pos - 1 : text.size();
}

}  // namespace

std::string MaskMatches(std::string_view text, const std::vector<WordMatch>& matches) {
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  std::size_t masked_until = 0;  // union of the ranges seen so far
  std::size_t match = 0;
  while (pos < text.size()) {
    while (match < matches.size() && matches[match].start <= pos) {
      masked_until = std::max(masked_until, matches[match].end);
      ++match;
    }
    char32_t cp = 0;
    const std::size_t length = DecodeUtf8(text, pos, cp);
    if (pos < masked_until) {
      out.push_back('*');
    } else {
      out.append(text.substr(pos, length));
    }
    pos += length;
  }
  return out;
}

StreamFilter::StreamFilter(std::shared_ptr<const WordMatcher> matcher, WordAction action)
    : matcher_(std::move(matcher)), action_(action) {
  if (matcher_ == nullptr || matcher_->empty()) action_ = WordAction::kOff;
}

FilterChunk StreamFilter::Push(std::string_view delta) {
  if (stopped_) return {};
  if (action_ == WordAction::kOff) return FilterChunk{std::string(delta), false, {}};
  pending_.append(delta);
  return Process(false);
}

FilterChunk StreamFilter::Finish() {
  if (stopped_ || action_ == WordAction::kOff) return {};
  return Process(true);
}

FilterChunk StreamFilter::Process(bool at_end) {
  const std::string_view whole =
      std::string_view(pending_).substr(0, at_end ? pending_.size() : WholeCharacters(pending_));
  matches_.clear();
  matcher_->FindAll(whole, WordScanContext{after_word_, at_end}, matches_);
  std::size_t cut = at_end ? whole.size() : HoldBackStart(whole, matcher_->max_term_length());
  for (bool moved = true; moved;) {  // no match may straddle the cut
    moved = false;
    for (const WordMatch& m : matches_) {
      if (m.start < cut && m.end > cut) {
        cut = m.start;
        moved = true;
      }
    }
  }
  std::vector<WordMatch>& decided = decided_;
  decided.clear();
  for (const WordMatch& m : matches_) {
    if (m.end <= cut) decided.push_back(m);
  }
  FilterChunk chunk;
  if (action_ == WordAction::kStop && !decided.empty()) {
    chunk.text = pending_.substr(0, decided.front().start);
    chunk.term_ids.push_back(decided.front().term_id);
    chunk.stopped = true;
    stopped_ = true;
    pending_.clear();
    return chunk;
  }
  const std::string_view final_text = std::string_view(pending_).substr(0, cut);
  chunk.text = MaskMatches(final_text, decided);
  for (const WordMatch& m : decided) chunk.term_ids.push_back(m.term_id);
  if (!final_text.empty()) after_word_ = EndsWithLatinWord(final_text);
  pending_.erase(0, cut);
  return chunk;
}

FilterChunk FilterText(std::shared_ptr<const WordMatcher> matcher, WordAction action,
                       std::string_view text) {
  StreamFilter filter(std::move(matcher), action);
  FilterChunk chunk = filter.Push(text);
  FilterChunk rest = filter.Finish();
  chunk.text += rest.text;
  chunk.stopped = chunk.stopped || rest.stopped;
  chunk.term_ids.insert(chunk.term_ids.end(), rest.term_ids.begin(), rest.term_ids.end());
  return chunk;
}

}  // namespace citadel::security
