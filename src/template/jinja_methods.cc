#include "template/jinja_methods.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "template/jinja_filters.h"

namespace citadel::tmpl::jinja {
namespace {

Status BadArgs(std::string_view method) {
  return InvalidArgumentError("bad arguments to method '" + std::string(method) + "'");
}

bool StartsOrEnds(const std::string& text, const Value& affix, bool start) {
  auto test = [&](const std::string& a) {
    if (a.size() > text.size()) return false;
    return start ? text.compare(0, a.size(), a) == 0
                 : text.compare(text.size() - a.size(), a.size(), a) == 0;
  };
  if (affix.is_array()) {
    return std::any_of(affix.array().begin(), affix.array().end(),
                       [&](const Value& v) { return v.is_string() && test(v.string_value()); });
  }
  return affix.is_string() && test(affix.string_value());
}

Value Split(const std::string& text, const Value* sep, std::int64_t max_split) {
  Value out = Value::NewArray();
  auto& parts = out.array();
  if (sep == nullptr || sep->is_none()) {  // split on runs of whitespace
    std::size_t i = 0;
    while (i < text.size()) {
      while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
      if (i >= text.size()) break;
      if (max_split >= 0 && static_cast<std::int64_t>(parts.size()) == max_split) {
        std::string rest = text.substr(i);
        while (!rest.empty() && std::isspace(static_cast<unsigned char>(rest.back())))
          rest.pop_back();
        parts.push_back(Value::String(rest));
        break;
      }
      std::size_t j = i;
      while (j < text.size() && !std::isspace(static_cast<unsigned char>(text[j]))) ++j;
      parts.push_back(Value::String(text.substr(i, j - i)));
      i = j;
    }
    return out;
  }
  const std::string delimiter = sep->ToString();
  std::size_t start = 0;
  while (true) {
    std::size_t hit = delimiter.empty() ? std::string::npos : text.find(delimiter, start);
    if (hit == std::string::npos ||
        (max_split >= 0 && static_cast<std::int64_t>(parts.size()) == max_split)) {
      parts.push_back(Value::String(text.substr(start)));
      return out;
    }
    parts.push_back(Value::String(text.substr(start, hit - start)));
    start = hit + delimiter.size();
  }
}

Result<Value> Replace(const std::string& text, const CallArgs& args) {
  const Value* from = args.Get(0, "old");
  const Value* to = args.Get(1, "new");
  const Value* count = args.Get(2, "count");
  if (from == nullptr || to == nullptr) return BadArgs("replace");
  const std::string old_text = from->ToString();
  const std::string new_text = to->ToString();
  std::int64_t remaining = count != nullptr && count->is_int() ? count->int_value() : -1;
  if (old_text.empty()) return Value::String(text);
  std::string out;
  std::size_t start = 0;
  while (remaining != 0) {
    std::size_t hit = text.find(old_text, start);
    if (hit == std::string::npos) break;
    out.append(text, start, hit - start);
    out += new_text;
    if (out.size() > kMaxBuiltValueSize) return ResourceExhaustedError("replace result too large");
    start = hit + old_text.size();
    if (remaining > 0) --remaining;
  }
  out.append(text, start, std::string::npos);
  return Value::String(std::move(out));
}

// Python str.format with {} / {0} / {name} fields.
Result<Value> Format(const std::string& text, const CallArgs& args) {
  std::string out;
  std::size_t auto_index = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '{' && i + 1 < text.size() && text[i + 1] == '{') {
      out.push_back('{');
      ++i;
      continue;
    }
    if (c == '}' && i + 1 < text.size() && text[i + 1] == '}') {
      out.push_back('}');
      ++i;
      continue;
    }
    if (c != '{') {
      out.push_back(c);
      continue;
    }
    std::size_t close = text.find('}', i);
    if (close == std::string::npos) return BadArgs("format");
    std::string field = text.substr(i + 1, close - i - 1);
    const Value* v = nullptr;
    if (field.empty()) {
      v = args.Get(auto_index++, "\x01");
    } else if (std::all_of(field.begin(), field.end(), ::isdigit)) {
      v = args.Get(std::stoul(field), "\x01");
    } else {
      v = args.Get(static_cast<std::size_t>(-1), field);
    }
    if (v == nullptr) return BadArgs("format");
    out += v->ToString();
    i = close;
  }
  return Value::String(std::move(out));
}

// find/count and the is*() predicates.
Result<Value> StringQuery(const std::string& s, std::string_view name, const Value* a0) {
  if (name == "find" || name == "count") {
    if (a0 == nullptr) return BadArgs(name);
    std::string needle = a0->ToString();
    if (name == "find") {
      std::size_t hit = s.find(needle);
      return Value::Int(hit == std::string::npos ? -1 : static_cast<std::int64_t>(hit));
    }
    if (needle.empty()) return Value::Int(static_cast<std::int64_t>(Utf8Length(s)) + 1);
    std::int64_t n = 0;
    for (std::size_t at = s.find(needle); at != std::string::npos;
         at = s.find(needle, at + needle.size()))
      ++n;
    return Value::Int(n);
  }
  if (name == "isdigit" || name == "isalpha" || name == "isalnum" || name == "isspace" ||
      name == "isupper" || name == "islower") {
    if (s.empty()) return Value::Bool(false);
    int (*fn)(int) = name == "isdigit"   ? ::isdigit
                     : name == "isalpha" ? ::isalpha
                     : name == "isalnum" ? ::isalnum
                     : name == "isspace" ? ::isspace
                     : name == "isupper" ? ::isupper
                                         : ::islower;
    return Value::Bool(std::all_of(s.begin(), s.end(),
                                   [&](char c) { return fn(static_cast<unsigned char>(c)) != 0; }));
  }
  return NotFoundError("string has no method '" + std::string(name) + "'");
}

Result<Value> StringMethod(const std::string& s, std::string_view name, const CallArgs& args) {
  const Value* a0 = args.Get(0, "\x01");
  if (name == "strip") return Value::String(StripString(s, a0, true, true));
  if (name == "lstrip") return Value::String(StripString(s, a0, true, false));
  if (name == "rstrip") return Value::String(StripString(s, a0, false, true));
  if (name == "startswith" || name == "endswith") {
    if (a0 == nullptr) return BadArgs(name);
    return Value::Bool(StartsOrEnds(s, *a0, name == "startswith"));
  }
  if (name == "split" || name == "rsplit") {
    const Value* max = args.Get(1, "maxsplit");
    return Split(s, args.Get(0, "sep"), max != nullptr && max->is_int() ? max->int_value() : -1);
  }
  if (name == "splitlines") {
    Value newline = Value::String("\n");
    Value parts = Split(s, &newline, -1);
    if (s.empty() || s.back() == '\n') parts.array().pop_back();
    return parts;
  }
  if (name == "lower" || name == "upper" || name == "capitalize" || name == "title") {
    if (name == "title") {
      std::string out = s;
      bool at_word_start = true;
      for (char& c : out) {
        unsigned char u = static_cast<unsigned char>(c);
        c = static_cast<char>(at_word_start ? std::toupper(u) : std::tolower(u));
        at_word_start = !std::isalnum(u);
      }
      return Value::String(std::move(out));
    }
    return ApplyFilter(name, Value::String(s), CallArgs{});
  }
  if (name == "replace") return Replace(s, args);
  if (name == "format") return Format(s, args);
  if (name == "join") {
    if (a0 == nullptr) return BadArgs(name);
    CallArgs join_args;
    join_args.positional.push_back(Value::String(s));
    return ApplyFilter("join", *a0, join_args);
  }
  return StringQuery(s, name, a0);
}

Result<Value> ListMethod(const Value& self, std::string_view name, const CallArgs& args) {
  auto& items = self.array();
  const Value* a0 = args.Get(0, "\x01");
  if (name == "append") {
    if (a0 == nullptr) return BadArgs(name);
    if (items.size() >= kMaxBuiltValueSize / 16) return ResourceExhaustedError("list too long");
    items.push_back(*a0);
    return Value::None();
  }
  if (name == "pop") {
    if (items.empty()) return InvalidArgumentError("pop from empty list");
    std::int64_t index = a0 != nullptr && a0->is_int() ? a0->int_value() : -1;
    if (index < 0) index += static_cast<std::int64_t>(items.size());
    if (index < 0 || index >= static_cast<std::int64_t>(items.size())) {
      return InvalidArgumentError("pop index out of range");
    }
    Value v = items[static_cast<std::size_t>(index)];
    items.erase(items.begin() + index);
    return v;
  }
  if (name == "insert") {
    const Value* v = args.Get(1, "\x01");
    if (a0 == nullptr || !a0->is_int() || v == nullptr) return BadArgs(name);
    std::int64_t n = static_cast<std::int64_t>(items.size());
    std::int64_t index =
        std::clamp<std::int64_t>(a0->int_value() < 0 ? a0->int_value() + n : a0->int_value(), 0, n);
    items.insert(items.begin() + index, *v);
    return Value::None();
  }
  if (name == "extend") {
    if (a0 == nullptr || !a0->is_array()) return BadArgs(name);
    std::vector<Value> copy = a0->array();
    if (items.size() + copy.size() > kMaxBuiltValueSize / 16)
      return ResourceExhaustedError("list too long");
    items.insert(items.end(), copy.begin(), copy.end());
    return Value::None();
  }
  if (name == "index" || name == "count") {
    if (a0 == nullptr) return BadArgs(name);
    std::int64_t n = 0;
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (!ValuesEqual(items[i], *a0)) continue;
      if (name == "index") return Value::Int(static_cast<std::int64_t>(i));
      ++n;
    }
    if (name == "index") return InvalidArgumentError("value not in list");
    return Value::Int(n);
  }
  if (name == "copy") return Value::NewArray(items);
  return NotFoundError("list has no method '" + std::string(name) + "'");
}

Result<Value> DictMethod(const Value& self, std::string_view name, const CallArgs& args) {
  Object& object = self.object();
  const Value* a0 = args.Get(0, "\x01");
  if (name == "get" || name == "pop" || name == "setdefault") {
    if (a0 == nullptr) return BadArgs(name);
    const Value* fallback = args.Get(1, "\x01");
    std::string key = a0->ToString();
    const Value* found = object.Find(key);
    Value result = found != nullptr ? *found : (fallback != nullptr ? *fallback : Value::None());
    if (name == "pop") {
      if (found == nullptr && fallback == nullptr)
        return InvalidArgumentError("key '" + key + "' not found");
      object.Erase(key);
    } else if (name == "setdefault" && found == nullptr) {
      object.Set(key, result);
    }
    return result;
  }
  if (name == "items" || name == "keys" || name == "values") {
    Value out = Value::NewArray();
    for (const auto& [k, v] : object.entries) {
      if (name == "items") {
        out.array().push_back(Value::NewArray({object.KeyValue(k), v}));
      } else {
        out.array().push_back(name == "keys" ? object.KeyValue(k) : v);
      }
    }
    return out;
  }
  if (name == "update") {
    if (a0 != nullptr && a0->is_object()) {
      auto entries = a0->object().entries;
      for (auto& [k, v] : entries) object.Set(k, v);
    }
    for (const auto& [k, v] : args.keyword) object.Set(k, v);
    return Value::None();
  }
  if (name == "copy") {
    Value out = Value::NewObject();
    out.object().entries = object.entries;
    return out;
  }
  return NotFoundError("dict has no method '" + std::string(name) + "'");
}

}  // namespace

Result<Value> CallMethod(const Value& self, std::string_view name, const CallArgs& args) {
  if (self.is_string()) return StringMethod(self.string_value(), name, args);
  if (self.is_array()) return ListMethod(self, name, args);
  if (self.is_object()) return DictMethod(self, name, args);
  return NotFoundError(std::string(self.TypeName()) + " has no method '" + std::string(name) + "'");
}

}  // namespace citadel::tmpl::jinja
