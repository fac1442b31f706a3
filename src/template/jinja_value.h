// Values of the Jinja subset: undefined, none, bool, int, float, string,
// array (list), object (insertion-ordered dict) and callable (macro or
// built-in function).
//
// Arrays and objects have reference semantics like Python lists and dicts:
// copying a Value shares the container, so `ns.x = ...` and `list.append()`
// are seen through every copy. Values never cross threads: each Render builds
// its own, so the types are thread-compatible, not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/status.h"

namespace citadel::tmpl::jinja {

class Value;

// Arguments of a call: positional first, then keyword arguments in order.
struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;

  // The keyword argument `name`, else positional argument `index`, else
  // nullptr.
  const Value* Get(std::size_t index, std::string_view name) const;
};

using NativeFunction = std::function<Result<Value>(const CallArgs& args)>;

struct Callable {
  std::string name;
  NativeFunction function;
};

// An insertion-ordered string-keyed map (Python dict / JSON object).
struct Object {
  std::vector<std::pair<std::string, Value>> entries;

  const Value* Find(std::string_view key) const;
  Value* Find(std::string_view key);
  // Replaces the value of an existing key in place, else appends.
  void Set(std::string key, Value value);
  // Removes `key`; returns false when absent.
  bool Erase(std::string_view key);

  // Keys are stored as text; a dict literal with non-string keys ({1024: 1})
  // remembers the original key values here so iteration yields them.
  std::vector<std::pair<std::string, Value>> typed_keys;
  // The key as a value: the remembered typed key, else a string.
  Value KeyValue(const std::string& key) const;
};

class Value {
 public:
  enum class Kind { kUndefined, kNone, kBool, kInt, kFloat, kString, kArray, kObject, kCallable };

  Value() = default;  // undefined
  Value(const Value&) = default;
  Value(Value&&) noexcept = default;
  Value& operator=(const Value&) = default;
  Value& operator=(Value&&) noexcept = default;
  // Releases nested lists and dicts iteratively, so a hostile template that
  // builds a million-deep chain cannot overflow the stack on destruction.
  ~Value();
  static Value None();
  static Value Bool(bool value);
  static Value Int(std::int64_t value);
  static Value Float(double value);
  static Value String(std::string value);
  static Value NewArray(std::vector<Value> items = {});
  static Value NewObject();
  static Value Function(std::string name, NativeFunction function);

  Kind kind() const { return kind_; }
  bool is_undefined() const { return kind_ == Kind::kUndefined; }
  bool is_none() const { return kind_ == Kind::kNone; }
  bool is_bool() const { return kind_ == Kind::kBool; }
  bool is_int() const { return kind_ == Kind::kInt; }
  bool is_float() const { return kind_ == Kind::kFloat; }
  bool is_number() const { return kind_ == Kind::kInt || kind_ == Kind::kFloat; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_array() const { return kind_ == Kind::kArray; }
  bool is_object() const { return kind_ == Kind::kObject; }
  bool is_callable() const { return kind_ == Kind::kCallable; }

  // Accessors; calling one for another kind is a programmer error.
  bool bool_value() const { return bool_; }
  std::int64_t int_value() const { return int_; }
  // The number as a double (ints converted).
  double number_value() const { return kind_ == Kind::kInt ? static_cast<double>(int_) : float_; }
  const std::string& string_value() const { return string_; }
  std::vector<Value>& array() const { return *array_; }
  Object& object() const { return *object_; }
  const Callable& callable() const { return *callable_; }

  // Jinja truthiness: undefined, none, false, 0, "", [] and {} are false.
  bool Truthy() const;
  // How `{{ value }}` prints: "" for undefined, "None", "True", 1.5, strings
  // raw, lists and dicts in Python repr.
  std::string ToString() const;
  // Python repr: strings quoted.
  std::string Repr() const;
  // "undefined", "none", "boolean", "integer", "float", "string", "list",
  // "dict", "callable" — for error messages.
  std::string_view TypeName() const;

 private:
  void ReleaseIteratively();

  // Appends to `out`; stops descending past depth 64 or 16 MiB of text (a
  // list may contain itself or share sublists exponentially).
  void AppendString(std::string& out, int depth) const;
  void AppendRepr(std::string& out, int depth) const;

  Kind kind_ = Kind::kUndefined;
  bool bool_ = false;
  std::int64_t int_ = 0;
  double float_ = 0.0;
  std::string string_;
  std::shared_ptr<std::vector<Value>> array_;
  std::shared_ptr<Object> object_;
  std::shared_ptr<const Callable> callable_;
};

// Python ==: numbers by value (1 == 1.0), strings, lists and dicts deeply.
bool ValuesEqual(const Value& a, const Value& b);

// Python ordering for numbers, strings and lists: negative, zero or positive.
// InvalidArgument for kinds that do not order (a dict and a number).
Result<int> CompareValues(const Value& a, const Value& b);

}  // namespace citadel::tmpl::jinja
