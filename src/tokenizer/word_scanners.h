// Hand-written scanners for the most common pre-tokenizer patterns. Each one
// produces exactly the words its regex (see SplitKind in pre_tokenizer.h)
// matches, with unmatched code points as their own words, in one linear pass.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "tokenizer/pre_tokenizer.h"

namespace citadel::tokenizer {

// Splits cpts[0, count) (one piece) by the scanner `kind` (not kRegex) and
// appends the word lengths, in code points, to `word_lengths`.
void ScanWords(SplitKind kind, const std::uint32_t* cpts, std::size_t count,
               std::vector<std::uint32_t>* word_lengths);

}  // namespace citadel::tokenizer
