// StreamFilter: the sensitive-word filter on an answer that is produced a
// piece at a time, so that a term split across pieces is still caught and
// no masked text is ever sent.
//
//   StreamFilter filter(matcher, WordAction::kMask);
//   for (delta : answer) send(filter.Push(delta).text);
//   send(filter.Finish().text);
//
// Each Push holds back the tail of the text that contains the last N
// normalised characters, N being the longest term's length: a term that a
// later piece completes must start inside it. Text before the hold-back is
// final: its matches are masked (every code point of a match becomes '*')
// and it is returned. A match reaching into the hold-back moves the cut to
// the match's start. With kStop the first match ends the answer: the text
// before it is returned with stopped = true and later pushes return nothing.
// Finish flushes the hold-back. The concatenated output equals
// FilterText(whole answer), whatever the piece boundaries.
//
// Thread-compatible: one filter per answer, used by one thread at a time.
// The matcher is shared with the server (which swaps it on SIGHUP) and
// with other answers, hence the shared_ptr.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "security/word_filter.h"

namespace citadel::security {

enum class WordAction { kOff, kMask, kStop };

struct FilterChunk {
  std::string text;                     // safe to send now
  bool stopped = false;                 // kStop found a term: the answer ends after `text`
  std::vector<std::uint32_t> term_ids;  // hits decided by this call (for metrics, audit)
};

class StreamFilter {
 public:
  StreamFilter(std::shared_ptr<const WordMatcher> matcher, WordAction action);

  FilterChunk Push(std::string_view delta);
  FilterChunk Finish();
  bool stopped() const { return stopped_; }

 private:
  FilterChunk Process(bool at_end);

  std::shared_ptr<const WordMatcher> matcher_;
  WordAction action_;
  std::string pending_;      // received, not yet returned
  bool after_word_ = false;  // the last returned character is a Latin letter or digit
  bool stopped_ = false;
  std::vector<WordMatch> matches_;  // scratch
  std::vector<WordMatch> decided_;  // scratch
};

// The whole text at once: what a non-streamed answer gets.
FilterChunk FilterText(std::shared_ptr<const WordMatcher> matcher, WordAction action,
                       std::string_view text);

// `text` with every code point inside one of `matches` (byte ranges over
// `text`, sorted by start) replaced by '*'.
std::string MaskMatches(std::string_view text, const std::vector<WordMatch>& matches);

}  // namespace citadel::security
