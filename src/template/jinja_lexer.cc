#include "template/jinja_lexer.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace citadel::tmpl::jinja {
namespace {

bool IsSpace(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0;
}
bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
bool IsNameStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_';
}
bool IsNameChar(char c) {
  return IsNameStart(c) || IsDigit(c);
}

std::string Normalize(std::string_view source) {
  std::string out;
  out.reserve(source.size());
  for (std::size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      out.push_back('\n');
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
    } else {
      out.push_back(source[i]);
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

class Lexer {
 public:
  explicit Lexer(std::string source) { out_.source = std::move(source); }

  Result<LexedTemplate> Run() {
    const std::string& src = out_.source;
    while (pos_ < src.size()) {
      LexText();
      if (pos_ >= src.size()) break;
      if (src[pos_ + 1] == '#') {
        CITADEL_TRY(SkipComment());
      } else {
        CITADEL_TRY(LexTag());
      }
    }
    out_.tokens.push_back({TokenKind::kEnd, "", src.size()});
    return std::move(out_);
  }

 private:
  Status Error(std::size_t offset, std::string_view what) const {
    return InvalidArgumentError("template " + DescribePosition(out_.source, offset) + ": " +
                                std::string(what));
  }

  bool IsTagStart(std::size_t at) const {
    const std::string& src = out_.source;
    return src[at] == '{' && at + 1 < src.size() &&
           (src[at + 1] == '{' || src[at + 1] == '%' || src[at + 1] == '#');
  }

  // Text up to the next tag, with trim_blocks, lstrip_blocks and `-` control.
  void LexText() {
    const std::string& src = out_.source;
    std::size_t start = pos_;
    while (pos_ < src.size() && !IsTagStart(pos_)) ++pos_;
    std::size_t end = pos_;
    const bool at_tag = pos_ < src.size();
    // lstrip_blocks: blanks between a line start and `{%` / `{#` go away.
    if (at_tag && src[pos_ + 1] != '{') {
      std::size_t cur = end;
      while (cur > start) {
        char c = src[cur - 1];
        if (c == '\n') {
          end = cur;
          break;
        }
        if (!IsSpace(c)) break;
        --cur;
      }
      if (cur == 0) end = 0;  // only blanks back to the template start
    }
    std::string text = src.substr(start, end - start);
    // trim_blocks: the first newline after `%}` or `#}` goes away.
    if (previous_tag_trims_newline_ && !text.empty() && text.front() == '\n') text.erase(0, 1);
    if (previous_tag_strips_right_) {
      std::size_t first = 0;
      while (first < text.size() && IsSpace(text[first])) ++first;
      text.erase(0, first);
    }
    if (at_tag && pos_ + 2 < src.size() && src[pos_ + 2] == '-') {
      while (!text.empty() && IsSpace(text.back())) text.pop_back();
    }
    previous_tag_trims_newline_ = false;
    previous_tag_strips_right_ = false;
    if (!text.empty()) out_.tokens.push_back({TokenKind::kText, std::move(text), start});
  }

  Status SkipComment() {
    const std::string& src = out_.source;
    std::size_t start = pos_;
    std::size_t close = src.find("#}", pos_ + 2);
    if (close == std::string::npos) return Error(start, "unterminated comment");
    previous_tag_strips_right_ = close > pos_ + 2 && src[close - 1] == '-';
    previous_tag_trims_newline_ = true;
    pos_ = close + 2;
    return OkStatus();
  }

  Status LexTag() {
    const std::string& src = out_.source;
    const bool is_statement = src[pos_ + 1] == '%';
    std::size_t tag_start = pos_;
    out_.tokens.push_back(
        {is_statement ? TokenKind::kOpenStatement : TokenKind::kOpenExpression, "", pos_});
    pos_ += 2;
    if (pos_ < src.size() && src[pos_] == '-') ++pos_;
    int brace_depth = 0;
    while (true) {
      while (pos_ < src.size() && IsSpace(src[pos_])) ++pos_;
      if (pos_ >= src.size()) return Error(tag_start, "unterminated tag");
      std::string_view rest(src.data() + pos_, src.size() - pos_);
      const std::string_view close = is_statement ? "%}" : "}}";
      bool dash = rest.size() >= 3 && rest[0] == '-' && rest.substr(1, 2) == close;
      if (dash || (rest.substr(0, 2) == close && (is_statement || brace_depth == 0))) {
        out_.tokens.push_back(
            {is_statement ? TokenKind::kCloseStatement : TokenKind::kCloseExpression, "", pos_});
        pos_ += dash ? 3 : 2;
        previous_tag_strips_right_ = dash;
        previous_tag_trims_newline_ = is_statement;
        return OkStatus();
      }
      CITADEL_TRY(LexExpressionToken(brace_depth));
    }
  }

  Status LexExpressionToken(int& brace_depth) {
    const std::string& src = out_.source;
    char c = src[pos_];
    std::size_t start = pos_;
    if (c == '"' || c == '\'') return LexString();
    if (IsDigit(c)) {
      while (pos_ < src.size() && IsDigit(src[pos_])) ++pos_;
      bool is_float = pos_ + 1 < src.size() && src[pos_] == '.' && IsDigit(src[pos_ + 1]);
      if (is_float) {
        ++pos_;
        while (pos_ < src.size() && IsDigit(src[pos_])) ++pos_;
      }
      out_.tokens.push_back({is_float ? TokenKind::kFloat : TokenKind::kInteger,
                             src.substr(start, pos_ - start), start});
      return OkStatus();
    }
    if (IsNameStart(c)) {
      while (pos_ < src.size() && IsNameChar(src[pos_])) ++pos_;
      out_.tokens.push_back({TokenKind::kName, src.substr(start, pos_ - start), start});
      return OkStatus();
    }
    static constexpr std::array<std::string_view, 6> kTwoChar = {
        "==", "!=", "<=", ">=", "//", "**"};
    std::string_view two(src.data() + pos_, std::min<std::size_t>(2, src.size() - pos_));
    for (std::string_view op : kTwoChar) {
      if (two == op) {
        out_.tokens.push_back({TokenKind::kOperator, std::string(two), start});
        pos_ += 2;
        return OkStatus();
      }
    }
    static constexpr std::string_view kOneChar = "()[]{},.:|=+-*/%~<>!";
    if (kOneChar.find(c) == std::string_view::npos || c == '!') {
      return Error(start, std::string("unexpected character '") + c + "'");
    }
    if (c == '{') ++brace_depth;
    if (c == '}') --brace_depth;
    out_.tokens.push_back({TokenKind::kOperator, std::string(1, c), start});
    ++pos_;
    return OkStatus();
  }

  Status LexString() {
    const std::string& src = out_.source;
    std::size_t start = pos_;
    char quote = src[pos_++];
    std::string value;
    while (pos_ < src.size() && src[pos_] != quote) {
      char c = src[pos_++];
      if (c != '\\' || pos_ >= src.size()) {
        value.push_back(c);
        continue;
      }
      char e = src[pos_++];
      switch (e) {
        case 'n':
          value.push_back('\n');
          break;
        case 't':
          value.push_back('\t');
          break;
        case 'r':
          value.push_back('\r');
          break;
        case 'b':
          value.push_back('\b');
          break;
        case 'f':
          value.push_back('\f');
          break;
        case 'v':
          value.push_back('\v');
          break;
        case '0':
          value.push_back('\0');
          break;
        case '\\':
        case '\'':
        case '"':
          value.push_back(e);
          break;
        default:  // unknown escapes stay as written, like Python
          value.push_back('\\');
          value.push_back(e);
      }
    }
    if (pos_ >= src.size()) return Error(start, "unterminated string literal");
    ++pos_;  // closing quote
    out_.tokens.push_back({TokenKind::kString, std::move(value), start});
    return OkStatus();
  }

  LexedTemplate out_;
  std::size_t pos_ = 0;
  bool previous_tag_trims_newline_ = false;
  bool previous_tag_strips_right_ = false;
};

}  // namespace

std::string DescribePosition(std::string_view source, std::size_t offset) {
  std::size_t line = 1;
  std::size_t column = 1;
  for (std::size_t i = 0; i < offset && i < source.size(); ++i) {
    if (source[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

Result<LexedTemplate> Lex(std::string_view source) {
  return Lexer(Normalize(source)).Run();
}

}  // namespace citadel::tmpl::jinja
