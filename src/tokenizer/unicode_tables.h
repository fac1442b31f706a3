// Generated Unicode data tables (see tools/gen_unicode_tables.py); read
// through unicode.h. Immutable; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>

namespace citadel::tokenizer {

struct CategoryRun {
  std::uint32_t first;  // first code point of the run
  std::uint8_t flags;   // CodepointFlags category bit (unicode.h)
};

struct CodepointPair {
  std::uint32_t from;
  std::uint32_t to;
};

extern const CategoryRun kCategoryRanges[];  // sorted, starts at 0
extern const std::size_t kCategoryRangesSize;
extern const CodepointPair kLowercasePairs[];  // sorted by `from`
extern const std::size_t kLowercasePairsSize;
extern const CodepointPair kNfdFirstPairs[];  // sorted by `from`
extern const std::size_t kNfdFirstPairsSize;

}  // namespace citadel::tokenizer
