#include "security/word_filter.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "security/text_normalize.h"

namespace citadel::security {
namespace {

// An edge of the hash table in 64 bits: class (15), from-state (24),
// to-state (24). Root edges live in root_next_, so 0 marks a free slot.
constexpr int kClassBits = 15;
constexpr int kStateBits = 24;
constexpr std::uint64_t kKeyMask = (std::uint64_t{1} << (kClassBits + kStateBits)) - 1;
constexpr std::size_t kMaxStates = std::size_t{1} << kStateBits;
std::uint64_t EdgeKey(std::uint32_t state, std::uint32_t cls) {
  return (std::uint64_t{state} << kClassBits) | cls;
}
constexpr std::size_t kRing = 64;  // >= kMaxTermCodePoints, a power of two
static_assert(kRing >= WordMatcher::kMaxTermCodePoints && (kRing & (kRing - 1)) == 0);

std::size_t HashKey(std::uint64_t key) {
  return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> 20);
}

std::u32string NormalizeTerm(std::string_view text) {
  std::u32string out;
  for (std::size_t pos = 0; pos < text.size();) {
    char32_t cp = 0;
    pos += DecodeUtf8(text, pos, cp);
    const char32_t normal = NormalizeCodePoint(cp);
    if (normal != kIgnoredCodePoint) out.push_back(normal);
  }
  return out;
}

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

bool ValidUtf8(std::string_view s) {
  for (std::size_t pos = 0; pos < s.size();) {
    char32_t cp = 0;
    const std::size_t length = DecodeUtf8(s, pos, cp);
    if (cp == kReplacementCodePoint && length == 1) return false;
    pos += length;
  }
  return true;
}

}  // namespace

Result<std::vector<WordTerm>> ParseWords(std::string_view text, std::string_view origin) {
  std::vector<WordTerm> terms;
  std::uint32_t line_no = 0;
  std::size_t begin = 0;
  while (begin < text.size()) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string_view::npos) end = text.size();
    ++line_no;
    const std::string_view line = TrimSpaces(text.substr(begin, end - begin));
    begin = end + 1;
    if (line.empty() || line.front() == '#') continue;
    if (!ValidUtf8(line)) {
      return InvalidArgumentError(std::string(origin) + ":" + std::to_string(line_no) +
                                  ": not valid UTF-8");
    }
    terms.push_back({line_no, std::string(line)});
  }
  return terms;
}

Result<std::vector<WordTerm>> LoadWordsFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError("cannot read words file '" + path + "'");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return NotFoundError("cannot read words file '" + path + "'");
  return ParseWords(buffer.str(), path);
}

std::uint32_t WordMatcher::NormalClass(char32_t normal) const {
  if (normal < 0x10000) return bmp_class_[normal];
  if (astral_class_.empty()) return 0;
  auto it = astral_class_.find(normal);
  return it == astral_class_.end() ? 0 : it->second;
}

std::uint16_t WordMatcher::InfoOf(char32_t raw) const {
  if (raw < 0x10000) return bmp_info_[raw];
  const char32_t normal = NormalizeCodePoint(raw);
  if (normal == kIgnoredCodePoint) return kIgnoredInfo;
  return static_cast<std::uint16_t>(NormalClass(normal));
}

std::uint32_t WordMatcher::Next(std::uint32_t state, std::uint32_t cls) const {
  if (state == 0) return root_next_[cls];
  // Most lookups miss (the text leaves the term); the bit set answers them
  // without touching the hash table.
  if ((states_[state].child_bits >> (cls & 63) & 1) == 0) return 0;
  const std::uint64_t key = EdgeKey(state, cls);
  const std::size_t mask = edges_.size() - 1;
  for (std::size_t slot = HashKey(key) & mask;; slot = (slot + 1) & mask) {
    const std::uint64_t edge = edges_[slot];
    if ((edge & kKeyMask) == key)
      return static_cast<std::uint32_t>(edge >> (kClassBits + kStateBits));
    if (edge == 0) return 0;
  }
}

void WordMatcher::InsertEdge(std::uint64_t key, std::uint32_t next) {
  const std::size_t mask = edges_.size() - 1;
  std::size_t slot = HashKey(key) & mask;
  while (edges_[slot] != 0) slot = (slot + 1) & mask;
  edges_[slot] = key | (std::uint64_t{next} << (kClassBits + kStateBits));
}

Result<WordMatcher> WordMatcher::Build(const std::vector<WordTerm>& terms) {
  WordMatcher m;
  m.bmp_class_.assign(0x10000, 0);
  std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>> children(1);
  std::unordered_map<std::uint64_t, std::uint32_t> trie;  // (state << 16 | class) -> child
  m.term_at_.push_back(-1);
  std::uint32_t classes = 0;
  const auto class_for = [&](char32_t cp) -> Result<std::uint32_t> {
    std::uint32_t cls = m.NormalClass(cp);
    if (cls != 0) return cls;
    if (classes == kMaxClasses) {
      return InvalidArgumentError("words: more than " + std::to_string(kMaxClasses) +
                                  " distinct characters");
    }
    cls = ++classes;
    if (cp < 0x10000) {
      m.bmp_class_[cp] = static_cast<std::uint16_t>(cls);
    } else {
      m.astral_class_[cp] = static_cast<std::uint16_t>(cls);
    }
    return cls;
  };
  for (const WordTerm& term : terms) {
    const std::u32string normal = NormalizeTerm(term.text);
    if (normal.empty()) continue;
    if (normal.size() > kMaxTermCodePoints) {
      return InvalidArgumentError("words: term " + std::to_string(term.id) + " is longer than " +
                                  std::to_string(kMaxTermCodePoints) + " characters");
    }
    std::uint32_t state = 0;
    for (const char32_t cp : normal) {
      CITADEL_ASSIGN_OR_RETURN(const std::uint32_t cls, class_for(cp));
      const std::uint64_t key = (std::uint64_t{state} << 16) | cls;
      auto [it, inserted] = trie.try_emplace(key, static_cast<std::uint32_t>(children.size()));
      if (inserted) {
        children[state].push_back({cls, it->second});
        children.emplace_back();
        m.term_at_.push_back(-1);
      }
      state = it->second;
    }
    if (m.term_at_[state] >= 0) continue;  // an earlier term normalises alike
    m.term_at_[state] = static_cast<std::int32_t>(m.terms_.size());
    m.terms_.push_back({term.id, static_cast<std::uint32_t>(normal.size()),
                        IsLatinWordCodePoint(normal.front()), IsLatinWordCodePoint(normal.back())});
    m.max_length_ = std::max(m.max_length_, normal.size());
  }
  const std::size_t states = children.size();
  if (states >= kMaxStates) return InvalidArgumentError("words: the lexicon is too large");
  m.bmp_info_.assign(0x10000, 0);
  for (char32_t raw = 0; raw < 0x10000; ++raw) {
    const char32_t normal = NormalizeCodePoint(raw);
    m.bmp_info_[raw] =
        normal == kIgnoredCodePoint
            ? kIgnoredInfo
            : static_cast<std::uint16_t>(m.NormalClass(normal) |
                                         (IsLatinWordCodePoint(normal) ? kLatinWordBit : 0));
  }
  // States numbered breadth-first, so the shallow ones that every scan
  // visits sit together in memory.
  std::vector<std::uint32_t> order{0};
  std::vector<std::uint32_t> renumber(states, 0);
  for (std::size_t i = 0; i < order.size(); ++i) {
    for (const auto& [cls, child] : children[order[i]]) {
      renumber[child] = static_cast<std::uint32_t>(order.size());
      order.push_back(child);
    }
  }
  std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>> by_new(states);
  std::vector<std::int32_t> term_at(states, -1);
  for (std::size_t old = 0; old < states; ++old) {
    term_at[renumber[old]] = m.term_at_[old];
    for (const auto& [cls, child] : children[old])
      by_new[renumber[old]].push_back({cls, renumber[child]});
  }
  m.term_at_ = std::move(term_at);
  m.root_next_.assign(classes + 1, 0);
  for (const auto& [cls, child] : by_new[0]) m.root_next_[cls] = child;
  m.states_.assign(states, State{});
  std::size_t edges = 0;
  for (std::size_t v = 0; v < states; ++v) {
    for (const auto& [cls, child] : by_new[v]) {
      m.states_[v].child_bits |= std::uint64_t{1} << (cls & 63);
      edges += v != 0;
    }
  }
  std::size_t capacity = 16;
  while (capacity * 7 < edges * 10) capacity *= 2;  // load factor <= 0.7
  m.edges_.assign(capacity, 0);
  for (std::size_t v = 1; v < states; ++v) {
    for (const auto& [cls, child] : by_new[v]) {
      m.InsertEdge(EdgeKey(static_cast<std::uint32_t>(v), cls), child);
    }
  }
  // Breadth-first (the new numbering): a state's failure link is the
  // longest proper suffix of its path that is also a path from the root.
  m.dict_next_.assign(states, 0);
  for (std::size_t u = 0; u < states; ++u) {
    for (const auto& [cls, v] : by_new[u]) {
      std::uint32_t target = 0;
      if (u != 0) {
        std::uint32_t f = m.states_[u].fail;
        while (f != 0 && m.Next(f, cls) == 0) f = m.states_[f].fail;
        target = m.Next(f, cls);
      }
      m.states_[v].fail = target;
      m.dict_next_[v] = m.term_at_[target] >= 0 ? target : m.dict_next_[target];
    }
  }
  for (std::size_t v = 0; v < states; ++v) {
    m.states_[v].first_output =
        m.term_at_[v] >= 0 ? static_cast<std::uint32_t>(v) : m.dict_next_[v];
  }
  return m;
}

namespace {

// The character at text[pos]: the common one- and three-byte forms inline,
// anything else through DecodeUtf8.
std::size_t DecodeFast(std::string_view text, std::size_t pos, char32_t& cp) {
  const auto b0 = static_cast<unsigned char>(text[pos]);
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  }
  if ((b0 & 0xF0) == 0xE0 && pos + 2 < text.size()) {
    const auto b1 = static_cast<unsigned char>(text[pos + 1]);
    const auto b2 = static_cast<unsigned char>(text[pos + 2]);
    const char32_t value = ((b0 & 0x0Fu) << 12) | ((b1 & 0x3Fu) << 6) | (b2 & 0x3Fu);
    if ((b1 & 0xC0) == 0x80 && (b2 & 0xC0) == 0x80 && value >= 0x800 &&
        (value < 0xD800 || value > 0xDFFF)) {
      cp = value;
      return 3;
    }
  }
  return DecodeUtf8(text, pos, cp);
}

}  // namespace

void WordMatcher::FindAll(std::string_view text, const WordScanContext& context,
                          std::vector<WordMatch>& out) const {
  if (terms_.empty()) return;
  const std::size_t first_out = out.size();
  std::array<std::size_t, kRing> ring_offset;  // byte offset of each normalised char
  std::array<bool, kRing> ring_after_word;     // whether a Latin word char precedes it
  std::size_t pending_begin = out.size();      // out[pending_begin..]: awaiting a right boundary
  bool pending = false;
  std::size_t count = 0;
  std::uint32_t state = 0;
  bool after_word = context.after_word;
  for (std::size_t pos = 0; pos < text.size();) {
    char32_t cp = 0;
    const std::size_t length = DecodeFast(text, pos, cp);
    const std::uint16_t info = InfoOf(cp);
    const bool is_word = info != kIgnoredInfo && (info & kLatinWordBit) != 0;
    if (pending) {  // the character after a Latin-ending match decides it
      if (is_word) out.resize(pending_begin);
      pending = false;
    }
    pos += length;
    if (info == kIgnoredInfo) {
      after_word = false;
      continue;
    }
    ring_offset[count & (kRing - 1)] = pos - length;
    ring_after_word[count & (kRing - 1)] = after_word;
    ++count;
    after_word = is_word;
    const std::uint32_t cls = info & ~kLatinWordBit;
    if (cls == 0) {
      state = 0;
      continue;
    }
    std::uint32_t next = Next(state, cls);
    while (next == 0 && state != 0) {
      state = states_[state].fail;
      next = Next(state, cls);
    }
    state = next;
    std::uint32_t s = states_[state].first_output;
    if (s == 0) continue;
    // Matches without a right boundary go first, so that those awaiting one
    // sit together at the end of `out`.
    pending_begin = out.size();
    for (std::uint32_t t = s; t != 0; t = dict_next_[t]) {
      const Term& term = terms_[term_at_[t]];
      if (term.right_boundary) continue;
      const std::size_t first = (count - term.length) & (kRing - 1);
      if (term.left_boundary && ring_after_word[first]) continue;
      out.push_back(WordMatch{ring_offset[first], pos, term.id});
    }
    pending_begin = out.size();
    for (std::uint32_t t = s; t != 0; t = dict_next_[t]) {
      const Term& term = terms_[term_at_[t]];
      if (!term.right_boundary) continue;
      const std::size_t first = (count - term.length) & (kRing - 1);
      if (term.left_boundary && ring_after_word[first]) continue;
      out.push_back(WordMatch{ring_offset[first], pos, term.id});
      pending = true;
    }
  }
  if (pending && !context.at_end) out.resize(pending_begin);
  std::sort(out.begin() + static_cast<std::ptrdiff_t>(first_out), out.end(),
            [](const WordMatch& a, const WordMatch& b) {
              return a.start != b.start ? a.start < b.start : a.end < b.end;
            });
}

}  // namespace citadel::security
