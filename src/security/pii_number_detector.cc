#include "security/pii_number_detector.h"

#include <optional>

#include "security/pii_checksums.h"
#include "security/pii_text.h"

namespace citadel::security::pii {
namespace {

constexpr int kMaxGroups = 6;
constexpr std::size_t kMaxDigits = 19;  // the longest value read from groups (a card)

// Digit groups joined by single separators of one kind: "0755 1234 5678" is
// three groups joined by ' '. A group may end in the ID check letter X.
struct Run {
  std::size_t begin[kMaxGroups] = {};
  std::size_t end[kMaxGroups] = {};
  int count = 0;
  char sep = '\0';         // ' ' or '-', '\0' for a single group
  bool truncated = false;  // more groups follow than kMaxGroups
  std::size_t Length(int group) const { return end[group] - begin[group]; }
};

bool CheckLetterAt(std::string_view text, std::size_t p) {
  const char c = At(text, p);
  return (c == 'X' || c == 'x') && !IsWordByte(At(text, p + 1));
}

Run ReadRun(std::string_view text, std::size_t pos) {
  Run run;
  std::size_t p = pos;
  while (true) {
    const std::size_t begin = p;
    while (p < text.size() && IsDigit(text[p])) ++p;
    const std::size_t digits = p - begin;
    bool lettered = false;
    if ((digits == 17 || (digits == 3 && run.count == 2)) && CheckLetterAt(text, p)) {
      ++p;
      lettered = true;
    }
    run.begin[run.count] = begin;
    run.end[run.count] = p;
    ++run.count;
    const char sep = At(text, p);
    const bool joins = (sep == ' ' || sep == '-') && IsDigit(At(text, p + 1)) &&
                       (run.sep == '\0' || run.sep == sep) && !lettered;
    if (!joins) break;
    if (run.count == kMaxGroups) {
      run.truncated = true;
      break;
    }
    run.sep = sep;
    ++p;
  }
  return run;
}

// The characters of groups [first, first + k), without separators; empty
// when longer than any value.
struct Digits {
  char data[kMaxDigits + 1] = {};
  std::size_t size = 0;
  std::string_view view() const { return {data, size}; }
  bool lettered() const { return size > 0 && (data[size - 1] == 'X' || data[size - 1] == 'x'); }
};

Digits Collect(std::string_view text, const Run& run, int first, int k) {
  Digits out;
  for (int g = first; g < first + k; ++g) {
    const std::size_t length = run.Length(g);
    if (out.size + length > kMaxDigits) return Digits{};
    for (std::size_t i = 0; i < length; ++i) out.data[out.size++] = text[run.begin[g] + i];
  }
  return out;
}

bool ValidCnId(std::string_view id) {
  if (id.size() != 18) return false;
  const char check = id[17] == 'x' ? 'X' : id[17];
  return PlausibleCnRegion(id.substr(0, 6)) && ValidDate(id.substr(6, 8)) &&
         CnIdCheckChar(id.substr(0, 17)) == check;
}

bool ValidCard(std::string_view digits) {
  return digits.size() >= 13 && digits.size() <= 19 && KnownCardPrefix(digits) && LuhnValid(digits);
}

// Card groupings: fours with a shorter last group, or 4-6-5 / 4-6-4.
bool CardGrouping(const Run& run, int first, int k) {
  if (k == 3 && run.Length(first) == 4 && run.Length(first + 1) == 6) {
    const std::size_t last = run.Length(first + 2);
    return last == 5 || last == 4;
  }
  for (int g = first; g < first + k - 1; ++g) {
    if (run.Length(g) != 4) return false;
  }
  const std::size_t last = run.Length(first + k - 1);
  return last >= 1 && last <= 4;
}

// A local number after an area code of `area_length` digits.
bool ValidLocal(std::string_view local, std::size_t area_length) {
  if (local.empty() || local[0] == '0') return false;
  return local.size() == 8 || (local.size() == 7 && area_length == 4);
}

bool LocalGrouping(const Run& run, int first, int k) {
  if (k == 1) return true;
  return k == 2 && run.Length(first + 1) == 4 && (run.Length(first) == 3 || run.Length(first) == 4);
}

bool ValidLandline(std::string_view text, const Run& run, int first, int k) {
  if (k < 2 || k > 3) return false;
  const std::string_view area = text.substr(run.begin[first], run.Length(first));
  if (!AreaCode(area) || !LocalGrouping(run, first + 1, k - 1)) return false;
  const Digits local = Collect(text, run, first + 1, k - 1);
  return !local.lettered() && ValidLocal(local.view(), area.size());
}

// The type of groups [first, first + k) of `run`, if they form a value.
std::optional<PiiType> Match(std::string_view text, const Run& run, int first, int k) {
  const Digits digits = Collect(text, run, first, k);
  if (digits.size == 0) return std::nullopt;
  const std::string_view d = digits.view();
  const bool id_shape = k == 1 || (k == 3 && run.Length(first) == 6 && run.Length(first + 1) == 8);
  if (d.size() == 18 && id_shape && ValidCnId(d)) return PiiType::kCnId;
  if (digits.lettered()) return std::nullopt;
  const bool mobile_shape =
      k == 1 || (k == 3 && run.Length(first) == 3 && run.Length(first + 1) == 4);
  if (d.size() == 11 && mobile_shape && MobilePrefix(d)) return PiiType::kCnMobile;
  if (ValidLandline(text, run, first, k)) return PiiType::kLandline;
  if ((k == 1 || CardGrouping(run, first, k)) && ValidCard(d)) return PiiType::kBankCard;
  return std::nullopt;
}

void Emit(std::vector<PiiSpan>& out, std::size_t start, std::size_t end, PiiType type) {
  out.push_back(PiiSpan{start, end, type, 0});
}

// Past a run of digits and dots ("10.0.19045.3693").
std::size_t SkipDotted(std::string_view text, std::size_t p) {
  while (p < text.size() && (IsDigit(text[p]) || (text[p] == '.' && IsDigit(At(text, p + 1))))) {
    ++p;
  }
  return p;
}

std::size_t DetectIpv4(std::string_view text, std::size_t pos, std::vector<PiiSpan>& out) {
  std::size_t p = pos;
  for (int part = 0; part < 4; ++part) {
    const std::size_t begin = p;
    int value = 0;
    while (p < text.size() && IsDigit(text[p]) && p - begin < 4)
      value = value * 10 + text[p++] - '0';
    const std::size_t length = p - begin;
    if (length == 0 || length > 3 || value > 255 || (length > 1 && text[begin] == '0')) {
      return SkipDotted(text, pos);
    }
    if (part < 3) {
      if (At(text, p) != '.') return SkipDotted(text, pos);
      ++p;
    }
  }
  // A fifth part or a word glued on makes it something else (a version).
  if (IsWordByte(At(text, p)) || (At(text, p) == '.' && IsDigit(At(text, p + 1)))) {
    return SkipDotted(text, pos);
  }
  Emit(out, pos, p, PiiType::kIpv4);
  return p;
}

// Tries groups [first, count) of a run; `start` is where the span begins
// (before a prefix). Dash-joined runs match whole or not at all, except for
// a landline's trailing extension; space-joined runs may match a prefix of
// their groups. Returns the end of the match, or 0.
std::size_t MatchRun(std::string_view text, const Run& run, int first, std::size_t start,
                     std::vector<PiiSpan>& out, bool mobile_only) {
  const auto accept = [&](int k) -> std::size_t {
    const std::optional<PiiType> type = Match(text, run, first, k);
    if (!type || (mobile_only && *type != PiiType::kCnMobile)) return 0;
    const std::size_t end = run.end[first + k - 1];
    if (!EndsToken(text, end)) return 0;
    Emit(out, start, end, *type);
    return end;
  };
  const int available = run.count - first;
  if (available <= 0) return 0;
  if (run.sep == '-') {
    if (run.truncated) return 0;
    if (const std::size_t end = accept(available)) return end;
    const std::size_t extension = run.Length(run.count - 1);
    if (!mobile_only && available >= 3 && extension <= 5 &&
        ValidLandline(text, run, first, available - 1) && EndsToken(text, run.end[run.count - 1])) {
      Emit(out, start, run.end[run.count - 2], PiiType::kLandline);
      return run.end[run.count - 1];
    }
    return 0;
  }
  for (int k = available; k >= 1; --k) {
    if (const std::size_t end = accept(k)) return end;
  }
  return 0;
}

}  // namespace

std::size_t DetectNumber(std::string_view text, std::size_t pos, std::vector<PiiSpan>& out) {
  const Run run = ReadRun(text, pos);
  if (run.count == 1 && run.Length(0) <= 3 && At(text, run.end[0]) == '.') {
    return StartsToken(text, pos) ? DetectIpv4(text, pos, out) : SkipDotted(text, pos);
  }
  const std::size_t run_end = run.end[run.count - 1];
  const std::size_t skip = run.sep == '-' ? run_end : run.end[0];
  if (!StartsToken(text, pos)) return skip;
  // "86-13812345678": the country code as the first dash group.
  if (run.sep == '-' && run.count >= 2 && run.Length(0) == 2 && text[pos] == '8' &&
      text[pos + 1] == '6') {
    if (const std::size_t end = MatchRun(text, run, 1, pos, out, true)) return end;
  }
  if (const std::size_t end = MatchRun(text, run, 0, pos, out, false)) return end;
  return skip;
}

std::size_t DetectPlusPrefix(std::string_view text, std::size_t pos, std::vector<PiiSpan>& out) {
  if (At(text, pos + 1) != '8' || At(text, pos + 2) != '6') return pos + 1;
  if (pos > 0 && IsWordByte(text[pos - 1])) return pos + 1;
  std::size_t p = pos + 3;
  if (At(text, p) == ' ' || At(text, p) == '-') ++p;
  if (!IsDigit(At(text, p))) return pos + 1;
  const Run run = ReadRun(text, p);
  if (const std::size_t end = MatchRun(text, run, 0, pos, out, true)) return end;
  return pos + 1;
}

std::size_t DetectParenLandline(std::string_view text, std::size_t pos, std::size_t open_bytes,
                                std::vector<PiiSpan>& out) {
  std::size_t p = pos + open_bytes;
  const std::size_t area_begin = p;
  while (p < text.size() && IsDigit(text[p]) && p - area_begin < 5) ++p;
  const std::string_view area = text.substr(area_begin, p - area_begin);
  if (!AreaCode(area) || IsDigit(At(text, p))) return pos + 1;
  if (At(text, p) == ')') {
    p += 1;
  } else if (text.substr(p, 3) == "\xEF\xBC\x89") {  // full-width ）
    p += 3;
  } else {
    return pos + 1;
  }
  if (At(text, p) == ' ' || At(text, p) == '-') ++p;
  if (!IsDigit(At(text, p))) return pos + 1;
  const Run run = ReadRun(text, p);
  int k = run.count;
  std::size_t resume = run.end[run.count - 1];
  if (run.sep == '-' && k >= 2 && run.Length(k - 1) <= 5 && !LocalGrouping(run, 0, k)) {
    --k;  // a trailing "-8001" extension
  }
  if (run.truncated || k > 2 || !LocalGrouping(run, 0, k)) return pos + 1;
  const Digits local = Collect(text, run, 0, k);
  if (local.lettered() || !ValidLocal(local.view(), area.size())) return pos + 1;
  if (!EndsToken(text, resume)) return pos + 1;
  Emit(out, pos, run.end[k - 1], PiiType::kLandline);
  return resume;
}

std::size_t DetectPassport(std::string_view text, std::size_t pos, std::vector<PiiSpan>& out) {
  const char first = text[pos];
  const char second = At(text, pos + 1);
  std::size_t digits_at = pos + 1;
  std::size_t want = 8;
  if (second == 'E' && (first == 'D' || first == 'S' || first == 'P')) {
    digits_at = pos + 2;
    want = 7;
  } else if (first == 'E' && second >= 'A' && second <= 'Z' && second != 'I' && second != 'O') {
    digits_at = pos + 2;
    want = 7;
  } else if (first != 'E' && first != 'G') {
    return pos + 1;
  }
  std::size_t p = digits_at;
  while (p < text.size() && IsDigit(text[p])) ++p;
  if (p - digits_at != want || !EndsToken(text, p)) return pos + 1;
  Emit(out, pos, p, PiiType::kPassport);
  return p;
}

}  // namespace citadel::security::pii
