#include "template/jinja_value.h"

#include <string>
#include <unordered_set>

namespace citadel::tmpl::jinja {

const Value* CallArgs::Get(std::size_t index, std::string_view name) const {
  for (const auto& [key, value] : keyword) {
    if (key == name) return &value;
  }
  if (index < positional.size()) return &positional[index];
  return nullptr;
}

const Value* Object::Find(std::string_view key) const {
  for (const auto& [k, v] : entries) {
    if (k == key) return &v;
  }
  return nullptr;
}

Value* Object::Find(std::string_view key) {
  for (auto& [k, v] : entries) {
    if (k == key) return &v;
  }
  return nullptr;
}

void Object::Set(std::string key, Value value) {
  if (Value* existing = Find(key)) {
    *existing = std::move(value);
    return;
  }
  entries.emplace_back(std::move(key), std::move(value));
}

Value Object::KeyValue(const std::string& key) const {
  for (const auto& [text, value] : typed_keys) {
    if (text == key) return value;
  }
  return Value::String(key);
}

bool Object::Erase(std::string_view key) {
  for (auto it = entries.begin(); it != entries.end(); ++it) {
    if (it->first == key) {
      entries.erase(it);
      return true;
    }
  }
  return false;
}

Value::~Value() {
  if ((array_ && array_.use_count() == 1) || (object_ && object_.use_count() == 1))
    ReleaseIteratively();
}

void Value::ReleaseIteratively() {
  std::vector<std::shared_ptr<std::vector<Value>>> arrays;
  std::vector<std::shared_ptr<Object>> objects;
  auto steal = [&](Value& v) {
    if (v.array_ && v.array_.use_count() == 1) arrays.push_back(std::move(v.array_));
    if (v.object_ && v.object_.use_count() == 1) objects.push_back(std::move(v.object_));
  };
  steal(*this);
  while (!arrays.empty() || !objects.empty()) {
    if (!arrays.empty()) {
      std::shared_ptr<std::vector<Value>> last = std::move(arrays.back());
      arrays.pop_back();
      for (Value& child : *last) steal(child);
    } else {
      std::shared_ptr<Object> last = std::move(objects.back());
      objects.pop_back();
      for (auto& entry : last->entries) steal(entry.second);
    }
  }
}

Value Value::None() {
  Value v;
  v.kind_ = Kind::kNone;
  return v;
}

Value Value::Bool(bool value) {
  Value v;
  v.kind_ = Kind::kBool;
  v.bool_ = value;
  return v;
}

Value Value::Int(std::int64_t value) {
  Value v;
  v.kind_ = Kind::kInt;
  v.int_ = value;
  return v;
}

Value Value::Float(double value) {
  Value v;
  v.kind_ = Kind::kFloat;
  v.float_ = value;
  return v;
}

Value Value::String(std::string value) {
  Value v;
  v.kind_ = Kind::kString;
  v.string_ = std::move(value);
  return v;
}

Value Value::NewArray(std::vector<Value> items) {
  Value v;
  v.kind_ = Kind::kArray;
  v.array_ = std::make_shared<std::vector<Value>>(std::move(items));
  return v;
}

Value Value::NewObject() {
  Value v;
  v.kind_ = Kind::kObject;
  v.object_ = std::make_shared<Object>();
  return v;
}

Value Value::Function(std::string name, NativeFunction function) {
  Value v;
  v.kind_ = Kind::kCallable;
  v.callable_ = std::make_shared<const Callable>(Callable{std::move(name), std::move(function)});
  return v;
}

bool Value::Truthy() const {
  switch (kind_) {
    case Kind::kUndefined:
    case Kind::kNone:
      return false;
    case Kind::kBool:
      return bool_;
    case Kind::kInt:
      return int_ != 0;
    case Kind::kFloat:
      return float_ != 0.0;
    case Kind::kString:
      return !string_.empty();
    case Kind::kArray:
      return !array_->empty();
    case Kind::kObject:
      return !object_->entries.empty();
    case Kind::kCallable:
      return true;
  }
  return false;
}

namespace {

// Like the reference: fixed six decimals, trailing zeros dropped, one kept.
std::string FloatToString(double value) {
  std::string out = std::to_string(value);
  if (out.find('.') == std::string::npos) return out;
  out.erase(out.find_last_not_of('0') + 1);
  if (!out.empty() && out.back() == '.') out.push_back('0');
  return out;
}

std::string QuoteString(const std::string& text) {
  if (text.find('\'') == std::string::npos) return "'" + text + "'";
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

}  // namespace

std::string Value::ToString() const {
  if (kind_ == Kind::kString) return string_;
  std::string out;
  AppendString(out, 0);
  return out;
}

std::string Value::Repr() const {
  std::string out;
  AppendRepr(out, 0);
  return out;
}

void Value::AppendRepr(std::string& out, int depth) const {
  if (kind_ == Kind::kString) {
    out += QuoteString(string_);
  } else if (kind_ == Kind::kUndefined) {
    out += "None";
  } else {
    AppendString(out, depth);
  }
}

void Value::AppendString(std::string& out, int depth) const {
  constexpr std::size_t kMaxReprBytes = 16u << 20;
  if ((is_array() || is_object()) && (depth > 64 || out.size() > kMaxReprBytes)) {
    out += "[...]";
    return;
  }
  switch (kind_) {
    case Kind::kUndefined:
      return;
    case Kind::kNone:
      out += "None";
      return;
    case Kind::kBool:
      out += bool_ ? "True" : "False";
      return;
    case Kind::kInt:
      out += std::to_string(int_);
      return;
    case Kind::kFloat:
      out += FloatToString(float_);
      return;
    case Kind::kString:
      out += string_;
      return;
    case Kind::kArray:
      out += "[";
      for (std::size_t i = 0; i < array_->size(); ++i) {
        if (i > 0) out += ", ";
        (*array_)[i].AppendRepr(out, depth + 1);
      }
      out += "]";
      return;
    case Kind::kObject:
      out += "{";
      for (std::size_t i = 0; i < object_->entries.size(); ++i) {
        if (i > 0) out += ", ";
        object_->KeyValue(object_->entries[i].first).AppendRepr(out, depth + 1);
        out += ": ";
        object_->entries[i].second.AppendRepr(out, depth + 1);
      }
      out += "}";
      return;
    case Kind::kCallable:
      out += "<function " + callable_->name + ">";
      return;
  }
}

std::string_view Value::TypeName() const {
  switch (kind_) {
    case Kind::kUndefined:
      return "undefined";
    case Kind::kNone:
      return "none";
    case Kind::kBool:
      return "boolean";
    case Kind::kInt:
      return "integer";
    case Kind::kFloat:
      return "float";
    case Kind::kString:
      return "string";
    case Kind::kArray:
      return "list";
    case Kind::kObject:
      return "dict";
    case Kind::kCallable:
      return "callable";
  }
  return "unknown";
}

namespace {

constexpr int kMaxCompareDepth = 128;

bool ValuesEqualAtDepth(const Value& a, const Value& b, int depth, std::size_t& budget);
Result<int> CompareAtDepth(const Value& a, const Value& b, int depth);

}  // namespace

bool ValuesEqual(const Value& a, const Value& b) {
  std::size_t budget = 1'000'000;  // nodes; shared sublists could otherwise cost 2^depth
  return ValuesEqualAtDepth(a, b, 0, budget);
}

Result<int> CompareValues(const Value& a, const Value& b) {
  return CompareAtDepth(a, b, 0);
}

namespace {

bool ValuesEqualAtDepth(const Value& a, const Value& b, int depth, std::size_t& budget) {
  if (depth > kMaxCompareDepth || budget == 0) return false;
  --budget;
  if (a.is_number() && b.is_number()) {
    if (a.is_int() && b.is_int()) return a.int_value() == b.int_value();
    return a.number_value() == b.number_value();
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::kUndefined:
    case Value::Kind::kNone:
      return true;
    case Value::Kind::kBool:
      return a.bool_value() == b.bool_value();
    case Value::Kind::kString:
      return a.string_value() == b.string_value();
    case Value::Kind::kArray: {
      const auto& x = a.array();
      const auto& y = b.array();
      if (&x == &y) return true;
      if (x.size() != y.size()) return false;
      for (std::size_t i = 0; i < x.size(); ++i) {
        if (!ValuesEqualAtDepth(x[i], y[i], depth + 1, budget)) return false;
      }
      return true;
    }
    case Value::Kind::kObject: {
      const auto& x = a.object().entries;
      const auto& y = b.object();
      if (&a.object() == &y) return true;
      if (x.size() != y.entries.size()) return false;
      for (const auto& [key, value] : x) {
        const Value* other = y.Find(key);
        if (other == nullptr || !ValuesEqualAtDepth(value, *other, depth + 1, budget)) return false;
      }
      return true;
    }
    case Value::Kind::kCallable:
      return &a.callable() == &b.callable();
    default:
      return false;
  }
}

Result<int> CompareAtDepth(const Value& a, const Value& b, int depth) {
  if (depth > kMaxCompareDepth) return InvalidArgumentError("values nested too deeply to compare");
  if ((a.is_number() || a.is_bool()) && (b.is_number() || b.is_bool())) {
    double x = a.is_bool() ? (a.bool_value() ? 1.0 : 0.0) : a.number_value();
    double y = b.is_bool() ? (b.bool_value() ? 1.0 : 0.0) : b.number_value();
    if (a.is_int() && b.is_int()) {
      return a.int_value() < b.int_value() ? -1 : (a.int_value() > b.int_value() ? 1 : 0);
    }
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.is_string() && b.is_string()) {
    int c = a.string_value().compare(b.string_value());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (a.is_array() && b.is_array()) {
    const auto& x = a.array();
    const auto& y = b.array();
    for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) {
      CITADEL_ASSIGN_OR_RETURN(int c, CompareAtDepth(x[i], y[i], depth + 1));
      if (c != 0) return c;
    }
    return x.size() < y.size() ? -1 : (x.size() > y.size() ? 1 : 0);
  }
  return InvalidArgumentError("cannot order " + std::string(a.TypeName()) + " and " +
                              std::string(b.TypeName()));
}

}  // namespace

}  // namespace citadel::tmpl::jinja
