// WordMatcher: finds the terms of a sensitive-word lexicon in text, under
// the normalisation of text_normalize.h (full-width forms, case, separators
// and zero-width characters between letters do not hide a term).
//
//   CITADEL_ASSIGN_OR_RETURN(auto terms, LoadWordsFile("words.txt"));
//   CITADEL_ASSIGN_OR_RETURN(WordMatcher matcher, WordMatcher::Build(terms));
//   std::vector<WordMatch> hits;
//   matcher.FindAll(text, {}, hits);   // every occurrence, overlaps included
//
// An Aho–Corasick automaton over normalised code points: characters are
// mapped to dense classes (a character in no term ends any partial match
// at once), the root has a dense transition row, other transitions live in
// one open-addressed hash table, and failure links plus dictionary-suffix
// links report every term that ends at each character, in one pass, O(text
// + matches). Matches are mapped back to byte offsets of the original text
// through a ring buffer as long as the longest term, so they cover the
// written form ("b.a.d" whole, not "bad").
//
// A term that begins (ends) with a Latin letter or digit matches only where
// the original character before (after) it is not one: "ass" is not found
// in "class", "a s s" still is.
//
// Thread-safe after Build: FindAll is const and keeps its state on the stack.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "util/status.h"

namespace citadel::security {

struct WordTerm {
  std::uint32_t id = 0;  // what audit records and metrics name (a line number)
  std::string text;      // UTF-8
};

struct WordMatch {
  std::size_t start = 0;  // byte offsets into the scanned text, end exclusive
  std::size_t end = 0;
  std::uint32_t term_id = 0;
  bool operator==(const WordMatch&) const = default;
};

// Where a scan stands relative to text around it (streaming).
struct WordScanContext {
  bool after_word = false;  // the character before the text is a Latin letter or digit
  bool at_end = true;       // nothing follows the text; when false, a match that
                            // needs its right boundary checked and ends at the end
                            // of the text is left out (the next scan finds it)
};

// Reads a lexicon: one term per line (UTF-8), id = line number. Blank lines
// and lines starting with '#' are skipped; trailing '\r' and surrounding
// spaces are trimmed. NotFound when the file cannot be read;
// InvalidArgument naming the line for invalid UTF-8 or a term over
// kMaxTermCodePoints.
Result<std::vector<WordTerm>> LoadWordsFile(const std::string& path);
Result<std::vector<WordTerm>> ParseWords(std::string_view text, std::string_view origin);

class WordMatcher {
 public:
  static constexpr std::size_t kMaxTermCodePoints = 64;

  // Terms that normalise to nothing are skipped; of terms that normalise
  // alike, the first id is reported. InvalidArgument for a term longer than
  // kMaxTermCodePoints normalised characters.
  static Result<WordMatcher> Build(const std::vector<WordTerm>& terms);

  // Appends every match in `text` to `out`, sorted by start, then end.
  void FindAll(std::string_view text, const WordScanContext& context,
               std::vector<WordMatch>& out) const;

  // Normalised code points of the longest term (0 when empty): the hold-back
  // window a stream needs.
  std::size_t max_term_length() const { return max_length_; }
  std::size_t term_count() const { return terms_.size(); }
  bool empty() const { return terms_.empty(); }

 private:
  struct Term {
    std::uint32_t id;
    std::uint32_t length;  // normalised code points
    bool left_boundary;    // starts with a Latin letter or digit
    bool right_boundary;   // ends with one
  };
  // What a scan reads of a state at every character, in one cache line.
  struct State {
    std::uint64_t child_bits = 0;    // bit (class % 64) of each child's class
    std::uint32_t fail = 0;          // failure link
    std::uint32_t first_output = 0;  // itself if a term ends here, else dict_next_
  };

  // What a raw character is to the automaton: its class (0: in no term),
  // kLatinWordBit for a normalised a-z/0-9, or kIgnoredInfo.
  static constexpr std::uint16_t kIgnoredInfo = 0xFFFF;
  static constexpr std::uint16_t kLatinWordBit = 0x8000;
  static constexpr std::uint32_t kMaxClasses = 0x7FFE;
  std::uint16_t InfoOf(char32_t raw) const;
  std::uint32_t NormalClass(char32_t normal) const;
  std::uint32_t Next(std::uint32_t state, std::uint32_t cls) const;
  void InsertEdge(std::uint64_t key, std::uint32_t next);

  std::vector<std::uint16_t> bmp_class_;  // [0x10000] normalised cp -> class
  std::unordered_map<char32_t, std::uint16_t> astral_class_;
  std::vector<std::uint16_t> bmp_info_;   // [0x10000] raw cp -> InfoOf
  std::vector<std::uint32_t> root_next_;  // [classes]
  std::vector<std::uint64_t> edges_;      // packed edges, power-of-two size
  std::vector<State> states_;             // breadth-first order
  std::vector<std::int32_t> term_at_;     // [states] index into terms_, -1
  std::vector<std::uint32_t> dict_next_;  // [states] next terminal on fail chain
  std::vector<Term> terms_;
  std::size_t max_length_ = 0;
};

}  // namespace citadel::security
