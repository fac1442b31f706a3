#include "template/jinja_filters.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>
#include <vector>

#include "template/jinja_json.h"
#include "template/jinja_methods.h"

namespace citadel::tmpl::jinja {
namespace {

bool IsPySpace(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0;
}

Status TypeError(std::string_view filter, const Value& input) {
  return InvalidArgumentError("filter '" + std::string(filter) + "' cannot take a " +
                              std::string(input.TypeName()));
}

std::string AsciiMap(std::string text, int (*fn)(int)) {
  for (char& c : text) c = static_cast<char>(fn(static_cast<unsigned char>(c)));
  return text;
}

// Items a filter iterates: list items, dict keys, string characters.
std::vector<Value> Iterate(const Value& input) {
  if (input.is_array()) return input.array();
  std::vector<Value> out;
  if (input.is_object()) {
    for (const auto& entry : input.object().entries)
      out.push_back(input.object().KeyValue(entry.first));
  } else if (input.is_string()) {
    const std::string& s = input.string_value();
    for (std::size_t i = 0; i < s.size();) {
      std::size_t n = 1;
      unsigned char c = static_cast<unsigned char>(s[i]);
      if (c >= 0xF0) {
        n = 4;
      } else if (c >= 0xE0) {
        n = 3;
      } else if (c >= 0xC0) {
        n = 2;
      }
      n = std::min(n, s.size() - i);
      out.push_back(Value::String(s.substr(i, n)));
      i += n;
    }
  }
  return out;
}

// Attribute lookup for selectattr/map/sort/join: "a" or dotted "a.b".
Value GetAttribute(const Value& item, std::string_view path) {
  Value current = item;
  while (true) {
    std::size_t dot = path.find('.');
    std::string_view key = path.substr(0, dot);
    if (current.is_object()) {
      const Value* found = current.object().Find(key);
      current = found != nullptr ? *found : Value();
    } else if (current.is_array() && !key.empty() &&
               std::all_of(key.begin(), key.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      std::size_t index = std::stoul(std::string(key));
      current = index < current.array().size() ? current.array()[index] : Value();
    } else {
      return Value();
    }
    if (dot == std::string_view::npos) return current;
    path.remove_prefix(dot + 1);
  }
}

// Shared by select/reject/selectattr/rejectattr: args from `first_test_arg`
// on are (test name, test args...).
Result<Value> SelectItems(const Value& input, const CallArgs& args, bool by_attribute,
                          bool keep_when) {
  std::size_t next = 0;
  std::string attribute;
  if (by_attribute) {
    const Value* attr = args.Get(0, "attribute");
    if (attr == nullptr || !attr->is_string()) {
      return InvalidArgumentError("selectattr/rejectattr need an attribute name");
    }
    attribute = attr->string_value();
    next = 1;
  }
  std::string test;
  CallArgs test_args;
  if (next < args.positional.size()) {
    if (!args.positional[next].is_string())
      return InvalidArgumentError("test name must be a string");
    test = args.positional[next].string_value();
    test_args.positional.assign(args.positional.begin() + static_cast<long>(next) + 1,
                                args.positional.end());
  }
  Value out = Value::NewArray();
  for (const Value& item : Iterate(input)) {
    Value subject = by_attribute ? GetAttribute(item, attribute) : item;
    bool pass = subject.Truthy();
    if (!test.empty()) {
      CITADEL_ASSIGN_OR_RETURN(pass, ApplyTest(test, subject, test_args));
    }
    if (pass == keep_when) out.array().push_back(item);
  }
  return out;
}

Result<Value> MapItems(const Value& input, const CallArgs& args) {
  Value out = Value::NewArray();
  if (const Value* attr = args.Get(99, "attribute"); attr != nullptr) {
    const Value* fallback = args.Get(99, "default");
    for (const Value& item : Iterate(input)) {
      Value v = GetAttribute(item, attr->ToString());
      if (v.is_undefined() && fallback != nullptr) v = *fallback;
      out.array().push_back(std::move(v));
    }
    return out;
  }
  if (args.positional.empty() || !args.positional[0].is_string()) {
    return InvalidArgumentError("map needs a filter name or attribute=");
  }
  CallArgs filter_args;
  filter_args.positional.assign(args.positional.begin() + 1, args.positional.end());
  for (const Value& item : Iterate(input)) {
    CITADEL_ASSIGN_OR_RETURN(Value v,
                             ApplyFilter(args.positional[0].string_value(), item, filter_args));
    out.array().push_back(std::move(v));
  }
  return out;
}

Result<Value> ToJsonFilter(const Value& input, const CallArgs& args) {
  JsonFormat format;
  if (const Value* indent = args.Get(0, "indent"); indent != nullptr && indent->is_int()) {
    format.indent = static_cast<int>(std::clamp<std::int64_t>(indent->int_value(), 0, 64));
  }
  if (const Value* seps = args.Get(99, "separators"); seps != nullptr && seps->is_array()) {
    if (!seps->array().empty()) format.item_separator = seps->array()[0].ToString();
    if (seps->array().size() > 1) format.key_separator = seps->array()[1].ToString();
  }
  return Value::String(ToJson(input, format));
}

Result<Value> IndentFilter(const Value& input, const CallArgs& args) {
  std::string pad = "    ";
  if (const Value* width = args.Get(0, "width"); width != nullptr) {
    if (width->is_int()) {
      pad.assign(static_cast<std::size_t>(std::clamp<std::int64_t>(width->int_value(), 0, 256)),
                 ' ');
    } else {
      pad = width->ToString();
    }
  }
  const Value* first = args.Get(1, "first");
  const Value* blank = args.Get(2, "blank");
  std::string text = input.ToString();
  std::string out;
  std::size_t start = 0;
  bool first_line = true;
  while (true) {
    std::size_t nl = text.find('\n', start);
    std::string line = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    bool indent_line = first_line ? (first != nullptr && first->Truthy())
                                  : (!line.empty() || (blank != nullptr && blank->Truthy()));
    if (indent_line) out += pad;
    out += line;
    if (out.size() > kMaxBuiltValueSize) return ResourceExhaustedError("indent result too large");
    if (nl == std::string::npos) break;
    out.push_back('\n');
    start = nl + 1;
    first_line = false;
  }
  return Value::String(std::move(out));
}

Result<Value> SortFilter(const Value& input, const CallArgs& args) {
  std::vector<Value> items = Iterate(input);
  const Value* reverse = args.Get(0, "reverse");
  const Value* attribute = args.Get(2, "attribute");
  Status error;
  auto key = [&](const Value& v) {
    return attribute != nullptr ? GetAttribute(v, attribute->ToString()) : v;
  };
  std::stable_sort(items.begin(), items.end(), [&](const Value& a, const Value& b) {
    auto c = CompareValues(key(a), key(b));
    if (!c.ok()) {
      error = c.status();
      return false;
    }
    return *c < 0;
  });
  CITADEL_TRY(error);
  if (reverse != nullptr && reverse->Truthy()) std::reverse(items.begin(), items.end());
  return Value::NewArray(std::move(items));
}

Result<Value> DictSortFilter(const Value& input) {
  if (!input.is_object()) return TypeError("dictsort", input);
  const Object& object = input.object();
  std::vector<Value> pairs;
  for (const auto& [k, v] : object.entries)
    pairs.push_back(Value::NewArray({object.KeyValue(k), v}));
  Status error;
  std::stable_sort(pairs.begin(), pairs.end(), [&](const Value& a, const Value& b) {
    auto c = CompareValues(a.array()[0], b.array()[0]);
    if (!c.ok()) {
      error = c.status();
      return false;
    }
    return *c < 0;
  });
  CITADEL_TRY(error);
  return Value::NewArray(std::move(pairs));
}

Result<Value> MinMaxFilter(const Value& input, bool want_max) {
  std::vector<Value> items = Iterate(input);
  if (items.empty()) return Value();
  Value best = items[0];
  for (const Value& v : items) {
    CITADEL_ASSIGN_OR_RETURN(int c, CompareValues(v, best));
    if (want_max ? c > 0 : c < 0) best = v;
  }
  return best;
}

Result<Value> JoinFilter(const Value& input, const CallArgs& args) {
  const Value* sep = args.Get(0, "d");
  const Value* attribute = args.Get(1, "attribute");
  std::string out;
  bool first = true;
  for (const Value& item : Iterate(input)) {
    if (!first && sep != nullptr) out += sep->ToString();
    first = false;
    out += attribute != nullptr ? GetAttribute(item, attribute->ToString()).ToString()
                                : item.ToString();
    if (out.size() > kMaxBuiltValueSize) return ResourceExhaustedError("join result too large");
  }
  return Value::String(std::move(out));
}

Result<Value> ConvertNumber(const Value& input, bool to_int, const CallArgs& args) {
  Value fallback = to_int ? Value::Int(0) : Value::Float(0.0);
  if (const Value* d = args.Get(0, "default"); d != nullptr) fallback = *d;
  if (input.is_bool())
    return to_int ? Value::Int(input.bool_value()) : Value::Float(input.bool_value());
  if (input.is_number()) {
    if (to_int) {
      double v = input.number_value();
      if (!(std::fabs(v) < 9.2e18)) return fallback;
      return Value::Int(static_cast<std::int64_t>(v));
    }
    return Value::Float(input.number_value());
  }
  if (input.is_string()) {
    const std::string& s = input.string_value();
    char* end = nullptr;
    if (to_int) {
      long long v = std::strtoll(s.c_str(), &end, 10);
      if (end != s.c_str() && *end == '\0') return Value::Int(v);
    } else {
      double v = std::strtod(s.c_str(), &end);
      if (end != s.c_str() && *end == '\0') return Value::Float(v);
    }
  }
  return fallback;
}

Result<Value> ApplySimpleFilter(std::string_view name, const Value& input, const CallArgs& args,
                                bool* handled);

}  // namespace

std::size_t Utf8Length(std::string_view text) {
  std::size_t n = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

std::string StripString(std::string_view text, const Value* chars, bool left, bool right) {
  auto strip_this = [&](char c) {
    if (chars == nullptr || chars->is_none() || chars->is_undefined()) return IsPySpace(c);
    return chars->ToString().find(c) != std::string::npos;
  };
  std::size_t begin = 0;
  std::size_t end = text.size();
  if (left) {
    while (begin < end && strip_this(text[begin])) ++begin;
  }
  if (right) {
    while (end > begin && strip_this(text[end - 1])) --end;
  }
  return std::string(text.substr(begin, end - begin));
}

namespace {

// Filters over lists, dicts and strings as sequences.
Result<Value> ApplyCollectionFilter(std::string_view name, const Value& input, bool* handled) {
  *handled = true;
  if (name == "length" || name == "count") {
    if (input.is_string())
      return Value::Int(static_cast<std::int64_t>(Utf8Length(input.string_value())));
    if (input.is_array()) return Value::Int(static_cast<std::int64_t>(input.array().size()));
    if (input.is_object())
      return Value::Int(static_cast<std::int64_t>(input.object().entries.size()));
    if (input.is_undefined()) return Value::Int(0);
    return TypeError(name, input);
  }
  if (name == "first" || name == "last") {
    std::vector<Value> items = Iterate(input);
    if (items.empty()) return Value();
    return name == "first" ? items.front() : items.back();
  }
  if (name == "list") return Value::NewArray(Iterate(input));
  if (name == "items") {
    Value out = Value::NewArray();
    if (input.is_object()) {
      for (const auto& [k, v] : input.object().entries) {
        out.array().push_back(Value::NewArray({input.object().KeyValue(k), v}));
      }
    } else if (!input.is_undefined() && !input.is_none()) {
      return TypeError(name, input);
    }
    return out;
  }
  if (name == "unique") {
    Value out = Value::NewArray();
    for (const Value& v : Iterate(input)) {
      bool seen = std::any_of(out.array().begin(), out.array().end(),
                              [&](const Value& x) { return ValuesEqual(x, v); });
      if (!seen) out.array().push_back(v);
    }
    return out;
  }
  if (name == "reverse") {
    std::vector<Value> items = Iterate(input);
    std::reverse(items.begin(), items.end());
    if (input.is_string()) {
      std::string s;
      for (const Value& v : items) s += v.string_value();
      return Value::String(std::move(s));
    }
    return Value::NewArray(std::move(items));
  }
  if (name == "abs") {
    if (input.is_int())
      return Value::Int(input.int_value() < 0 ? -input.int_value() : input.int_value());
    if (input.is_float()) return Value::Float(std::fabs(input.number_value()));
    return TypeError(name, input);
  }
  *handled = false;
  return Value();
}

Result<Value> ApplySimpleFilter(std::string_view name, const Value& input, const CallArgs& args,
                                bool* handled) {
  *handled = true;
  if (name == "trim")
    return Value::String(StripString(input.ToString(), args.Get(0, "chars"), true, true));
  if (name == "upper") return Value::String(AsciiMap(input.ToString(), ::toupper));
  if (name == "lower") return Value::String(AsciiMap(input.ToString(), ::tolower));
  if (name == "capitalize") {
    std::string s = AsciiMap(input.ToString(), ::tolower);
    if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
    return Value::String(std::move(s));
  }
  if (name == "title") return CallMethod(Value::String(input.ToString()), "title", args);
  if (name == "string") return Value::String(input.ToString());
  if (name == "safe" || name == "e" || name == "escape" || name == "forceescape") {
    return name == "safe" ? input : Value::String(input.ToString());
  }
  return ApplyCollectionFilter(name, input, handled);
}

}  // namespace

Result<Value> ApplyFilter(std::string_view name, const Value& input, const CallArgs& args) {
  bool handled = false;
  Result<Value> simple = ApplySimpleFilter(name, input, args, &handled);
  if (handled) return simple;
  if (name == "default" || name == "d") {
    const Value* fallback = args.Get(0, "default_value");
    const Value* boolean = args.Get(1, "boolean");
    bool use_default =
        input.is_undefined() || (boolean != nullptr && boolean->Truthy() && !input.Truthy());
    if (!use_default) return input;
    return fallback != nullptr ? *fallback : Value::String("");
  }
  if (name == "tojson") return ToJsonFilter(input, args);
  if (name == "from_json") {
    if (!input.is_string()) return TypeError(name, input);
    return ParseJson(input.string_value());
  }
  if (name == "join") return JoinFilter(input, args);
  if (name == "replace") return CallMethod(Value::String(input.ToString()), "replace", args);
  if (name == "select") return SelectItems(input, args, false, true);
  if (name == "reject") return SelectItems(input, args, false, false);
  if (name == "selectattr") return SelectItems(input, args, true, true);
  if (name == "rejectattr") return SelectItems(input, args, true, false);
  if (name == "map") return MapItems(input, args);
  if (name == "indent") return IndentFilter(input, args);
  if (name == "sort") return SortFilter(input, args);
  if (name == "dictsort") return DictSortFilter(input);
  if (name == "min") return MinMaxFilter(input, false);
  if (name == "max") return MinMaxFilter(input, true);
  if (name == "int") return ConvertNumber(input, true, args);
  if (name == "float") return ConvertNumber(input, false, args);
  if (name == "sum") {
    Value total = Value::Int(0);
    for (const Value& v : Iterate(input)) {
      if (!v.is_number()) return TypeError(name, v);
      if (total.is_int() && v.is_int()) {
        total = Value::Int(total.int_value() + v.int_value());
      } else {
        total = Value::Float(total.number_value() + v.number_value());
      }
    }
    return total;
  }
  if (name == "round") {
    if (!input.is_number()) return TypeError(name, input);
    const Value* precision = args.Get(0, "precision");
    double scale = std::pow(
        10.0, precision != nullptr && precision->is_int()
                  ? static_cast<double>(std::clamp<std::int64_t>(precision->int_value(), 0, 15))
                  : 0.0);
    return Value::Float(std::round(input.number_value() * scale) / scale);
  }
  return NotFoundError("unknown filter '" + std::string(name) + "'");
}

Result<bool> ApplyTest(std::string_view name, const Value& input, const CallArgs& args) {
  const Value* arg = args.Get(0, "value");
  if (name == "defined") return !input.is_undefined();
  if (name == "undefined") return input.is_undefined();
  if (name == "none") return input.is_none();
  if (name == "string") return input.is_string();
  if (name == "number") return input.is_number();
  if (name == "integer") return input.is_int();
  if (name == "float") return input.is_float();
  if (name == "boolean") return input.is_bool();
  if (name == "mapping") return input.is_object();
  if (name == "iterable" || name == "sequence") {
    return input.is_string() || input.is_array() || input.is_object();
  }
  if (name == "callable") return input.is_callable();
  if (name == "true") return input.is_bool() && input.bool_value();
  if (name == "false") return input.is_bool() && !input.bool_value();
  if (name == "odd" || name == "even") {
    if (!input.is_int())
      return InvalidArgumentError("test '" + std::string(name) + "' needs an integer");
    return (input.int_value() % 2 != 0) == (name == "odd");
  }
  if (name == "divisibleby") {
    if (!input.is_int() || arg == nullptr || !arg->is_int() || arg->int_value() == 0) {
      return InvalidArgumentError("test 'divisibleby' needs non-zero integers");
    }
    return input.int_value() % arg->int_value() == 0;
  }
  if (name == "lower" || name == "upper") {
    if (!input.is_string()) return false;
    std::string s = input.string_value();
    return s == AsciiMap(s, name == "lower" ? ::tolower : ::toupper);
  }
  if (arg == nullptr) return NotFoundError("unknown test '" + std::string(name) + "'");
  if (name == "eq" || name == "equalto" || name == "==" || name == "sameas")
    return ValuesEqual(input, *arg);
  if (name == "ne" || name == "!=") return !ValuesEqual(input, *arg);
  if (name == "in") {
    if (arg->is_string())
      return input.is_string() &&
             arg->string_value().find(input.string_value()) != std::string::npos;
    if (arg->is_object())
      return input.is_string() && arg->object().Find(input.string_value()) != nullptr;
    if (arg->is_array()) {
      return std::any_of(arg->array().begin(), arg->array().end(),
                         [&](const Value& v) { return ValuesEqual(v, input); });
    }
    return false;
  }
  if (name == "lt" || name == "le" || name == "gt" || name == "ge" || name == "<" || name == "<=" ||
      name == ">" || name == ">=" || name == "lessthan" || name == "greaterthan") {
    CITADEL_ASSIGN_OR_RETURN(int c, CompareValues(input, *arg));
    if (name == "lt" || name == "<" || name == "lessthan") return c < 0;
    if (name == "le" || name == "<=") return c <= 0;
    if (name == "gt" || name == ">" || name == "greaterthan") return c > 0;
    return c >= 0;
  }
  return NotFoundError("unknown test '" + std::string(name) + "'");
}

}  // namespace citadel::tmpl::jinja
