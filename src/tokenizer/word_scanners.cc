#include "tokenizer/word_scanners.h"

#include "tokenizer/unicode.h"

namespace citadel::tokenizer {
namespace {

// A view of one piece with bounds-checked access: positions past the end
// read as code point kEnd with no flags.
class Piece {
 public:
  static constexpr std::uint32_t kEnd = 0xFFFFFFFF;

  Piece(const std::uint32_t* cpts, std::size_t count) : cpts_(cpts), count_(count) {}

  std::size_t size() const { return count_; }
  std::uint32_t At(std::size_t pos) const { return pos < count_ ? cpts_[pos] : kEnd; }
  std::uint16_t Flags(std::size_t pos) const {
    return pos < count_ ? CodepointFlagsOf(cpts_[pos]) : 0;
  }
  bool Has(std::size_t pos, std::uint16_t mask) const { return (Flags(pos) & mask) != 0; }

 private:
  const std::uint32_t* cpts_;
  std::size_t count_;
};

std::uint32_t AsciiLower(std::uint32_t cpt) {
  return (cpt >= 'A' && cpt <= 'Z') ? cpt + 32 : cpt;
}

// Length of the contraction 's|'t|'re|'ve|'m|'ll|'d at `pos`, 0 when none.
std::size_t ContractionLength(const Piece& piece, std::size_t pos, bool ignore_case) {
  if (piece.At(pos) != '\'' || pos + 1 >= piece.size()) return 0;
  const auto fold = [&](std::uint32_t c) { return ignore_case ? AsciiLower(c) : c; };
  const std::uint32_t c1 = fold(piece.At(pos + 1));
  if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') return 2;
  if (pos + 2 >= piece.size()) return 0;
  const std::uint32_t c2 = fold(piece.At(pos + 2));
  if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l')) return 3;
  return 0;
}

// Length of the whitespace run at `pos` and the end of its last \r or \n
// (0 when the run has none).
std::size_t WhitespaceRun(const Piece& piece, std::size_t pos, std::size_t* last_newline_end) {
  std::size_t n = 0;
  *last_newline_end = 0;
  while (piece.Has(pos + n, kFlagWhitespace)) {
    const std::uint32_t c = piece.At(pos + n);
    if (c == '\r' || c == '\n') *last_newline_end = pos + n + 1;
    ++n;
  }
  return n;
}

// \s+(?!\S) then \s+: a run followed by a non-space keeps its last space for
// the next word. Returns the end of the word.
std::size_t WhitespaceWordEnd(const Piece& piece, std::size_t pos, std::size_t run) {
  if (run > 1 && pos + run < piece.size()) return pos + run - 1;
  return pos + run;
}

// GPT-2: 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
std::size_t Gpt2WordEnd(const Piece& piece, std::size_t pos) {
  if (const std::size_t len = ContractionLength(piece, pos, false)) return pos + len;
  const bool space = piece.At(pos) == ' ';
  const std::uint16_t head = space ? piece.Flags(pos + 1) : piece.Flags(pos);
  const std::size_t start = pos + (space ? 1 : 0);
  for (std::uint16_t cls : {std::uint16_t{kFlagLetter}, std::uint16_t{kFlagNumber}}) {
    if (head & cls) {
      std::size_t end = start;
      while (piece.Has(end, cls)) ++end;
      return end;
    }
  }
  constexpr std::uint16_t kWordish = kFlagWhitespace | kFlagLetter | kFlagNumber;
  if (head != 0 && !(head & kWordish)) {
    std::size_t end = start;
    while (end < piece.size() && !piece.Has(end, kWordish)) ++end;
    return end;
  }
  std::size_t last_newline_end = 0;
  const std::size_t run = WhitespaceRun(piece, pos, &last_newline_end);
  if (run > 0) return WhitespaceWordEnd(piece, pos, run);
  return pos + 1;
}

struct Llama3Options {
  std::size_t max_digits;  // \p{N}{1,max_digits}
  bool marks_are_letters;  // [\p{L}\p{M}]+ instead of \p{L}+
};

// Llama 3 family: (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
//                 ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
std::size_t Llama3WordEnd(const Piece& piece, std::size_t pos, const Llama3Options& options) {
  if (const std::size_t len = ContractionLength(piece, pos, true)) return pos + len;
  const std::uint16_t letter = options.marks_are_letters ? (kFlagLetter | kFlagMark) : kFlagLetter;
  const std::uint32_t c = piece.At(pos);
  const std::uint16_t flags = piece.Flags(pos);
  if (c != '\r' && c != '\n' && !(flags & kFlagNumber) &&
      (piece.Has(pos, letter) || piece.Has(pos + 1, letter))) {
    std::size_t end = pos + 1;
    while (piece.Has(end, letter)) ++end;
    return end;
  }
  if (flags & kFlagNumber) {
    std::size_t end = pos + 1;
    while (end - pos < options.max_digits && piece.Has(end, kFlagNumber)) ++end;
    return end;
  }
  const std::uint16_t other = kFlagWhitespace | kFlagNumber | letter;
  const bool space = c == ' ';
  const std::uint16_t head = space ? piece.Flags(pos + 1) : flags;
  if (!(head & other)) {
    std::size_t end = pos + (space ? 1 : 0);
    while (end < piece.size() && !piece.Has(end, other)) ++end;
    while (piece.At(end) == '\r' || piece.At(end) == '\n') ++end;
    return end;
  }
  std::size_t last_newline_end = 0;
  const std::size_t run = WhitespaceRun(piece, pos, &last_newline_end);
  if (last_newline_end > 0) return last_newline_end;
  if (run > 0) return WhitespaceWordEnd(piece, pos, run);
  return pos + 1;
}

}  // namespace

void ScanWords(SplitKind kind, const std::uint32_t* cpts, std::size_t count,
               std::vector<std::uint32_t>* word_lengths) {
  const Piece piece(cpts, count);
  std::size_t pos = 0;
  while (pos < count) {
    std::size_t end = pos + 1;
    switch (kind) {
      case SplitKind::kGpt2:
        end = Gpt2WordEnd(piece, pos);
        break;
      case SplitKind::kLlama3:
        end = Llama3WordEnd(piece, pos, {3, false});
        break;
      case SplitKind::kQwen2:
        end = Llama3WordEnd(piece, pos, {1, false});
        break;
      case SplitKind::kQwen35:
        end = Llama3WordEnd(piece, pos, {1, true});
        break;
      case SplitKind::kNewlines: {
        const bool newline = cpts[pos] == '\n';
        while (end < count && (cpts[end] == '\n') == newline) ++end;
        break;
      }
      case SplitKind::kRegex:
        end = count;  // not a scanner; callers never pass it
        break;
    }
    word_lengths->push_back(static_cast<std::uint32_t>(end - pos));
    pos = end;
  }
}

}  // namespace citadel::tokenizer
