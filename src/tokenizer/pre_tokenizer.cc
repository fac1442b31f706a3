#include "tokenizer/pre_tokenizer.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <string>
#include <utility>

#include "tokenizer/unicode.h"
#include "tokenizer/word_scanners.h"

namespace citadel::tokenizer {
namespace {

// Collapsed text: one byte per code point. ASCII stays itself; other code
// points become a byte standing for their category, whitespace becomes \v.
constexpr unsigned char kCollapsedNumber = 0xD1;
constexpr unsigned char kCollapsedLetter = 0xD2;
constexpr unsigned char kCollapsedPunctuation = 0xD3;
constexpr unsigned char kCollapsedMark = 0xD4;
constexpr unsigned char kCollapsedSymbol = 0xD5;
constexpr unsigned char kCollapsedOther = 0xD0;

unsigned char CollapseCodepoint(std::uint32_t cpt) {
  if (cpt < 0x80) return static_cast<unsigned char>(cpt);
  const std::uint16_t flags = CodepointFlagsOf(cpt);
  if (flags & kFlagWhitespace) return 0x0B;
  switch (flags & kFlagCategoryMask) {
    case kFlagNumber:
      return kCollapsedNumber;
    case kFlagLetter:
      return kCollapsedLetter;
    case kFlagPunctuation:
      return kCollapsedPunctuation;
    case kFlagMark:
      return kCollapsedMark;
    case kFlagSymbol:
      return kCollapsedSymbol;
    default:
      return kCollapsedOther;
  }
}

// Class members (without brackets) standing for \p{name} in collapsed text:
// the category byte plus the ASCII code points of that category.
const char* CollapsedClass(std::string_view name) {
  if (name == "N") return "\\x{d1}0-9";
  if (name == "L" || name == "Lu" || name == "Ll" || name == "Lt" || name == "Lm" || name == "Lo") {
    return "\\x{d2}A-Za-z";
  }
  if (name == "P") return "\\x{d3}!-#%-*,-/:;?@\\[-\\]_{}";
  if (name == "M") return "\\x{d4}";
  if (name == "S") return "\\x{d5}$+<=>^`|~";
  return nullptr;
}

// Rewrites every \p{..} of `pattern` for collapsed text. Sets *uses_categories.
Result<std::string> CollapsePattern(const std::string& pattern, bool* uses_categories) {
  std::string out;
  bool in_class = false;
  *uses_categories = false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      if (pattern[i + 1] == 'p' && i + 2 < pattern.size() && pattern[i + 2] == '{') {
        const std::size_t close = pattern.find('}', i + 3);
        const char* members =
            close == std::string::npos
                ? nullptr
                : CollapsedClass(std::string_view(pattern).substr(i + 3, close - i - 3));
        if (members == nullptr) {
          return InternalError("pre-tokenizer pattern uses an unsupported property at offset " +
                               std::to_string(i) + ": " + pattern);
        }
        if (!in_class) out += '[';
        out += members;
        if (!in_class) out += ']';
        *uses_categories = true;
        i = close;
        continue;
      }
      out += c;
      out += pattern[++i];
      continue;
    }
    if (c == '[' && !in_class) in_class = true;
    if (c == ']' && in_class) in_class = false;
    out += c;
  }
  return out;
}

struct CodeDeleter {
  void operator()(pcre2_code* code) const { pcre2_code_free(code); }
};
struct MatchDataDeleter {
  void operator()(pcre2_match_data* data) const { pcre2_match_data_free(data); }
};

}  // namespace

// One compiled rule. A regex over collapsed text when it uses categories,
// otherwise a UTF-8 regex over the text with non-ASCII whitespace as \v.
struct CompiledRule {
  SplitKind kind;
  bool collapsed = false;
  std::unique_ptr<pcre2_code, CodeDeleter> code;
};

class CompiledRules {
 public:
  std::vector<CompiledRule> rules;
};

namespace {

Result<CompiledRule> CompileRule(const SplitRule& rule) {
  CompiledRule compiled;
  compiled.kind = rule.kind;
  if (rule.kind != SplitKind::kRegex) return compiled;
  bool uses_categories = false;
  CITADEL_ASSIGN_OR_RETURN(std::string pattern, CollapsePattern(rule.pattern, &uses_categories));
  compiled.collapsed = uses_categories;
  // $ means the end of the piece only; no UCP: \s and friends stay ASCII,
  // matching how the reference engine runs these patterns.
  std::uint32_t options = PCRE2_DOLLAR_ENDONLY;
  if (!uses_categories) options |= PCRE2_UTF | PCRE2_NO_UTF_CHECK;
  int error = 0;
  PCRE2_SIZE error_offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                   options, &error, &error_offset, nullptr);
  if (code == nullptr) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error, message, sizeof(message));
    return InternalError("pre-tokenizer pattern does not compile at offset " +
                         std::to_string(error_offset) + ": " +
                         reinterpret_cast<const char*>(message) + ": " + rule.pattern);
  }
  compiled.code.reset(code);
  pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);  // falls back to the interpreter when unavailable
  return compiled;
}

// Splits each piece of `subject` (lengths in code units of `subject`) by the
// matches of `code`; returns the new piece lengths in code units.
std::vector<std::uint32_t> SplitByRegex(pcre2_code* code, std::string_view subject,
                                        const std::vector<std::uint32_t>& pieces, bool utf) {
  std::unique_ptr<pcre2_match_data, MatchDataDeleter> match(
      pcre2_match_data_create_from_pattern(code, nullptr));
  std::vector<std::uint32_t> out;
  out.reserve(pieces.size());
  const auto emit = [&](std::size_t len) {
    if (len > 0) out.push_back(static_cast<std::uint32_t>(len));
  };
  std::size_t piece_start = 0;
  for (const std::uint32_t piece_len : pieces) {
    const auto* data = reinterpret_cast<PCRE2_SPTR>(subject.data() + piece_start);
    std::size_t cursor = 0;  // end of the last emitted span, within the piece
    std::size_t offset = 0;  // where the next search starts
    std::uint32_t flags = 0;
    while (offset <= piece_len) {
      int rc = pcre2_match(code, data, piece_len, offset, flags, match.get(), nullptr);
      if (rc < 0 && rc != PCRE2_ERROR_NOMATCH) {
        // A resource limit of the JIT (e.g. its stack): retry with the
        // interpreter; if that fails too the rest of the piece stays unsplit.
        rc = pcre2_match(code, data, piece_len, offset, flags | PCRE2_NO_JIT, match.get(), nullptr);
      }
      if (rc < 0) {
        if (flags == 0) break;
        // No non-empty match right after an empty one: step one character on.
        flags = 0;
        offset += 1;
        while (utf && offset < piece_len && (data[offset] & 0xC0) == 0x80) ++offset;
        continue;
      }
      const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match.get());
      const std::size_t begin = ovector[0];
      const std::size_t end = ovector[1];
      if (begin > cursor) emit(begin - cursor);
      emit(end - begin);
      cursor = end;
      offset = end;
      flags = (end == begin) ? (PCRE2_NOTEMPTY_ATSTART | PCRE2_ANCHORED) : 0;
    }
    if (cursor < piece_len) emit(piece_len - cursor);
    piece_start += piece_len;
  }
  return out;
}

// Converts piece lengths between UTF-8 bytes of `utf8` and code points.
std::vector<std::uint32_t> BytesToCodepoints(std::string_view utf8,
                                             const std::vector<std::uint32_t>& pieces) {
  std::vector<std::uint32_t> out;
  out.reserve(pieces.size());
  std::size_t pos = 0;
  for (const std::uint32_t len : pieces) {
    std::uint32_t count = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if ((static_cast<unsigned char>(utf8[i]) & 0xC0) != 0x80) ++count;
    }
    if (count > 0) out.push_back(count);
    pos += len;
  }
  return out;
}

std::vector<std::uint32_t> CodepointsToBytes(std::string_view utf8,
                                             const std::vector<std::uint32_t>& pieces) {
  std::vector<std::uint32_t> out;
  out.reserve(pieces.size());
  std::size_t pos = 0;
  for (const std::uint32_t count : pieces) {
    std::size_t end = pos;
    for (std::uint32_t i = 0; i < count; ++i) {
      ++end;
      while (end < utf8.size() && (static_cast<unsigned char>(utf8[end]) & 0xC0) == 0x80) ++end;
    }
    out.push_back(static_cast<std::uint32_t>(end - pos));
    pos = end;
  }
  return out;
}

}  // namespace

PreTokenizer::PreTokenizer(std::unique_ptr<CompiledRules> rules) : rules_(std::move(rules)) {}
PreTokenizer::~PreTokenizer() = default;

Result<std::unique_ptr<PreTokenizer>> PreTokenizer::Create(std::vector<SplitRule> rules) {
  auto compiled = std::make_unique<CompiledRules>();
  for (const SplitRule& rule : rules) {
    CITADEL_ASSIGN_OR_RETURN(CompiledRule one, CompileRule(rule));
    compiled->rules.push_back(std::move(one));
  }
  return std::unique_ptr<PreTokenizer>(new PreTokenizer(std::move(compiled)));
}

void PreTokenizer::Split(const std::uint32_t* cpts, std::size_t count,
                         std::vector<std::uint32_t>* word_lengths) const {
  if (count == 0) return;
  std::vector<std::uint32_t> pieces{static_cast<std::uint32_t>(count)};
  std::string collapsed;  // built on first use
  std::string utf8;       // built on first use
  for (const CompiledRule& rule : rules_->rules) {
    if (rule.kind != SplitKind::kRegex) {
      std::vector<std::uint32_t> next;
      next.reserve(pieces.size() * 2);
      std::size_t start = 0;
      for (const std::uint32_t len : pieces) {
        ScanWords(rule.kind, cpts + start, len, &next);
        start += len;
      }
      pieces = std::move(next);
    } else if (rule.collapsed) {
      if (collapsed.empty()) {
        collapsed.resize(count);
        for (std::size_t i = 0; i < count; ++i) collapsed[i] = CollapseCodepoint(cpts[i]);
      }
      pieces = SplitByRegex(rule.code.get(), collapsed, pieces, false);
    } else {
      if (utf8.empty()) {
        for (std::size_t i = 0; i < count; ++i) {
          std::uint32_t cpt = cpts[i];
          if (cpt >= 0x80 && (CodepointFlagsOf(cpt) & kFlagWhitespace)) cpt = 0x0B;
          // PCRE2 needs valid UTF-8; a surrogate (accepted by the lenient
          // decoder) becomes U+FFFD, which has the same length.
          if (cpt >= 0xD800 && cpt <= 0xDFFF) cpt = kReplacementChar;
          AppendUtf8(cpt, &utf8);
        }
      }
      pieces = BytesToCodepoints(
          utf8, SplitByRegex(rule.code.get(), utf8, CodepointsToBytes(utf8, pieces), true));
    }
  }
  word_lengths->insert(word_lengths->end(), pieces.begin(), pieces.end());
}

}  // namespace citadel::tokenizer
