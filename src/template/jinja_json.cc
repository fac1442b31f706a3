#include "template/jinja_json.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace citadel::tmpl::jinja {
namespace {

constexpr int kMaxJsonDepth = 128;

void WriteString(std::string& out, const std::string& text) {
  out.push_back('"');
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned char>(c));
          out += buf;
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

void WriteValue(std::string& out, const Value& value, int level, const JsonFormat& format,
                const std::string& item_separator) {
  if (level > kMaxJsonDepth ||
      out.size() > (16u << 20)) {  // self-containing or hugely shared lists
    out += "null";
    return;
  }
  const bool multiline = format.indent >= 0;
  auto newline = [&] {
    if (multiline) out.push_back('\n');
  };
  auto pad = [&](int depth) {
    if (format.indent > 0) out.append(static_cast<std::size_t>(depth * format.indent), ' ');
  };
  switch (value.kind()) {
    case Value::Kind::kBool:
      out += value.bool_value() ? "true" : "false";
      return;
    case Value::Kind::kInt:
      out += std::to_string(value.int_value());
      return;
    case Value::Kind::kFloat: {
      std::ostringstream stream;
      stream << value.number_value();
      out += stream.str();
      return;
    }
    case Value::Kind::kString:
      WriteString(out, value.string_value());
      return;
    case Value::Kind::kArray: {
      const auto& items = value.array();
      out.push_back('[');
      if (!items.empty()) {
        newline();
        for (std::size_t i = 0; i < items.size(); ++i) {
          pad(level + 1);
          WriteValue(out, items[i], level + 1, format, item_separator);
          if (i + 1 < items.size()) out += item_separator;
          newline();
        }
        pad(level);
      }
      out.push_back(']');
      return;
    }
    case Value::Kind::kObject: {
      const auto& entries = value.object().entries;
      out.push_back('{');
      if (!entries.empty()) {
        newline();
        for (std::size_t i = 0; i < entries.size(); ++i) {
          pad(level + 1);
          WriteString(out, entries[i].first);
          out += format.key_separator;
          WriteValue(out, entries[i].second, level + 1, format, item_separator);
          if (i + 1 < entries.size()) out += item_separator;
          newline();
        }
        pad(level);
      }
      out.push_back('}');
      return;
    }
    default:
      out += "null";
  }
}

class JsonReader {
 public:
  explicit JsonReader(std::string_view text) : text_(text) {}

  Result<Value> ReadDocument() {
    CITADEL_ASSIGN_OR_RETURN(Value value, ReadValue(0));
    SkipSpace();
    if (pos_ != text_.size()) return Error("trailing characters");
    return value;
  }

 private:
  Status Error(std::string_view what) const {
    return InvalidArgumentError("invalid JSON at byte " + std::to_string(pos_) + ": " +
                                std::string(what));
  }

  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool Consume(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  Result<Value> ReadValue(int depth) {
    if (depth > kMaxJsonDepth) return Error("nesting too deep");
    SkipSpace();
    if (pos_ >= text_.size()) return Error("unexpected end");
    char c = text_[pos_];
    if (c == '{') return ReadObject(depth);
    if (c == '[') return ReadArray(depth);
    if (c == '"') {
      CITADEL_ASSIGN_OR_RETURN(std::string s, ReadString());
      return Value::String(std::move(s));
    }
    if (Consume("true")) return Value::Bool(true);
    if (Consume("false")) return Value::Bool(false);
    if (Consume("null")) return Value::None();
    if (c == '-' || (c >= '0' && c <= '9')) return ReadNumber();
    return Error("unexpected character");
  }

  Result<Value> ReadObject(int depth) {
    ++pos_;  // {
    Value object = Value::NewObject();
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == '}') {
      ++pos_;
      return object;
    }
    while (true) {
      SkipSpace();
      if (pos_ >= text_.size() || text_[pos_] != '"') return Error("expected a key");
      CITADEL_ASSIGN_OR_RETURN(std::string key, ReadString());
      SkipSpace();
      if (pos_ >= text_.size() || text_[pos_] != ':') return Error("expected ':'");
      ++pos_;
      CITADEL_ASSIGN_OR_RETURN(Value item, ReadValue(depth + 1));
      object.object().Set(std::move(key), std::move(item));
      SkipSpace();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == '}') {
        ++pos_;
        return object;
      }
      return Error("expected ',' or '}'");
    }
  }

  Result<Value> ReadArray(int depth) {
    ++pos_;  // [
    Value array = Value::NewArray();
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == ']') {
      ++pos_;
      return array;
    }
    while (true) {
      CITADEL_ASSIGN_OR_RETURN(Value item, ReadValue(depth + 1));
      array.array().push_back(std::move(item));
      SkipSpace();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == ']') {
        ++pos_;
        return array;
      }
      return Error("expected ',' or ']'");
    }
  }

  Result<Value> ReadNumber() {
    std::size_t start = pos_;
    bool is_float = false;
    if (text_[pos_] == '-') ++pos_;
    auto digits = [&] {
      std::size_t begin = pos_;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
      return pos_ > begin;
    };
    if (!digits()) return Error("bad number");
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      is_float = true;
      if (!digits()) return Error("bad number");
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      is_float = true;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      if (!digits()) return Error("bad number");
    }
    std::string number(text_.substr(start, pos_ - start));
    if (!is_float) {
      errno = 0;
      long long parsed = std::strtoll(number.c_str(), nullptr, 10);
      if (errno != ERANGE) return Value::Int(parsed);
    }
    return Value::Float(std::strtod(number.c_str(), nullptr));
  }

  static void AppendUtf8(std::string& out, unsigned code_point) {
    if (code_point < 0x80) {
      out.push_back(static_cast<char>(code_point));
    } else if (code_point < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (code_point >> 6)));
      out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
    } else if (code_point < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (code_point >> 12)));
      out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (code_point >> 18)));
      out.push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
    }
  }

  Result<unsigned> ReadHex4() {
    if (pos_ + 4 > text_.size()) return Error("short \\u escape");
    unsigned value = 0;
    for (int i = 0; i < 4; ++i) {
      char h = text_[pos_++];
      value <<= 4;
      if (h >= '0' && h <= '9') {
        value |= static_cast<unsigned>(h - '0');
      } else if (h >= 'a' && h <= 'f') {
        value |= static_cast<unsigned>(h - 'a' + 10);
      } else if (h >= 'A' && h <= 'F') {
        value |= static_cast<unsigned>(h - 'A' + 10);
      } else {
        return Error("bad \\u escape");
      }
    }
    return value;
  }

  Result<std::string> ReadString() {
    ++pos_;  // opening quote
    std::string out;
    while (pos_ < text_.size()) {
      char c = text_[pos_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) return Error("control character in string");
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (pos_ >= text_.size()) break;
      char e = text_[pos_++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out.push_back(e);
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'u': {
          CITADEL_ASSIGN_OR_RETURN(unsigned cp, ReadHex4());
          if (cp >= 0xD800 && cp <= 0xDBFF && text_.substr(pos_, 2) == "\\u") {
            pos_ += 2;
            CITADEL_ASSIGN_OR_RETURN(unsigned low, ReadHex4());
            if (low < 0xDC00 || low > 0xDFFF) return Error("bad surrogate pair");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          } else if (cp >= 0xD800 && cp <= 0xDFFF) {
            cp = 0xFFFD;
          }
          AppendUtf8(out, cp);
          break;
        }
        default:
          return Error("bad escape");
      }
    }
    return Error("unterminated string");
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

std::string ToJson(const Value& value, const JsonFormat& format) {
  std::string item_separator = format.item_separator;
  if (item_separator.empty()) item_separator = format.indent < 0 ? ", " : ",";
  std::string out;
  WriteValue(out, value, 0, format, item_separator);
  return out;
}

Result<Value> ParseJson(std::string_view text) {
  return JsonReader(text).ReadDocument();
}

}  // namespace citadel::tmpl::jinja
