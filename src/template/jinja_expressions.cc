// Expression evaluation of the Jinja interpreter (statements live in
// jinja_interpreter.cc).
#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "template/jinja_filters.h"
#include "template/jinja_interpreter.h"
#include "template/jinja_methods.h"

namespace citadel::tmpl::jinja {
namespace {

Status BinaryTypeError(std::string_view op, const Value& a, const Value& b) {
  return InvalidArgumentError("unsupported operand types for " + std::string(op) + ": " +
                              std::string(a.TypeName()) + " and " + std::string(b.TypeName()));
}

Result<Value> IntArithmetic(const std::string& op, std::int64_t x, std::int64_t y) {
  std::int64_t r = 0;
  bool overflow = false;
  if (op == "+") {
    overflow = __builtin_add_overflow(x, y, &r);
  } else if (op == "-") {
    overflow = __builtin_sub_overflow(x, y, &r);
  } else if (op == "*") {
    overflow = __builtin_mul_overflow(x, y, &r);
  } else if (op == "//" || op == "%") {
    if (y == 0) return InvalidArgumentError("integer division or modulo by zero");
    if (y == -1) {
      if (op == "%") return Value::Int(0);
      overflow = __builtin_sub_overflow(std::int64_t{0}, x, &r);
    } else {
      std::int64_t q = x / y;
      std::int64_t m = x % y;
      if (m != 0 && ((m < 0) != (y < 0))) {
        --q;
        m += y;
      }
      r = op == "//" ? q : m;
    }
  } else if (op == "**") {
    if (y < 0) return Value::Float(std::pow(static_cast<double>(x), static_cast<double>(y)));
    r = 1;
    for (std::int64_t i = 0; i < y && !overflow; ++i) {
      overflow = __builtin_mul_overflow(r, x, &r);
      if (r == 0 || r == 1) break;
    }
  }
  if (overflow) return InvalidArgumentError("integer overflow in '" + op + "'");
  return Value::Int(r);
}

Result<Value> NumberArithmetic(const std::string& op, const Value& a, const Value& b) {
  if (!a.is_number() || !b.is_number()) return BinaryTypeError(op, a, b);
  if (a.is_int() && b.is_int() && op != "/") return IntArithmetic(op, a.int_value(), b.int_value());
  double x = a.number_value();
  double y = b.number_value();
  if (op == "+") return Value::Float(x + y);
  if (op == "-") return Value::Float(x - y);
  if (op == "*") return Value::Float(x * y);
  if (op == "**") return Value::Float(std::pow(x, y));
  if (y == 0.0) return InvalidArgumentError("division by zero");
  if (op == "/") return Value::Float(x / y);
  if (op == "//") return Value::Float(std::floor(x / y));
  return Value::Float(x - y * std::floor(x / y));
}

Result<Value> RepeatSequence(const Value& seq, std::int64_t count) {
  std::uint64_t n = static_cast<std::uint64_t>(std::max<std::int64_t>(count, 0));
  std::size_t unit = seq.is_string() ? seq.string_value().size() : seq.array().size() * 16;
  if (unit != 0 && n > kMaxBuiltValueSize / unit)
    return ResourceExhaustedError("repeated sequence too large");
  if (unit == 0) n = 0;
  if (seq.is_string()) {
    std::string out;
    for (std::uint64_t i = 0; i < n; ++i) out += seq.string_value();
    return Value::String(std::move(out));
  }
  Value out = Value::NewArray();
  for (std::uint64_t i = 0; i < n; ++i) {
    out.array().insert(out.array().end(), seq.array().begin(), seq.array().end());
  }
  return out;
}

bool ContainerHas(const Value& container, const Value& item) {
  if (container.is_string()) {
    return item.is_string() &&
           container.string_value().find(item.string_value()) != std::string::npos;
  }
  if (container.is_array()) {
    return std::any_of(container.array().begin(), container.array().end(),
                       [&](const Value& v) { return ValuesEqual(v, item); });
  }
  if (container.is_object())
    return item.is_string() && container.object().Find(item.string_value()) != nullptr;
  return false;
}

Result<Value> Combine(const std::string& op, const Value& a, const Value& b) {
  if (op == "+" || op == "~") {
    // Like the reference: none/undefined next to a string concatenates as "".
    const bool a_null = a.is_none() || a.is_undefined();
    const bool b_null = b.is_none() || b.is_undefined();
    if ((a_null && b.is_string()) || (b_null && a.is_string())) {
      return Value::String((a_null ? std::string() : a.ToString()) +
                           (b_null ? std::string() : b.ToString()));
    }
  }
  if (op == "~") return Value::String(a.ToString() + b.ToString());
  if (op == "==") return Value::Bool(ValuesEqual(a, b));
  if (op == "!=") return Value::Bool(!ValuesEqual(a, b));
  if (op == "in" || op == "not in") return Value::Bool(ContainerHas(b, a) == (op == "in"));
  if (op == "<" || op == ">" || op == "<=" || op == ">=") {
    CITADEL_ASSIGN_OR_RETURN(int c, CompareValues(a, b));
    if (op == "<") return Value::Bool(c < 0);
    if (op == ">") return Value::Bool(c > 0);
    if (op == "<=") return Value::Bool(c <= 0);
    return Value::Bool(c >= 0);
  }
  if (op == "+") {
    if (a.is_string() && b.is_string()) {
      if (a.string_value().size() + b.string_value().size() > kMaxBuiltValueSize) {
        return ResourceExhaustedError("string too large");
      }
      return Value::String(a.string_value() + b.string_value());
    }
    if (a.is_array() && b.is_array()) {
      std::vector<Value> items = a.array();
      if (items.size() + b.array().size() > kMaxBuiltValueSize / 16)
        return ResourceExhaustedError("list too long");
      items.insert(items.end(), b.array().begin(), b.array().end());
      return Value::NewArray(std::move(items));
    }
    if (a.is_string() || b.is_string()) return Value::String(a.ToString() + b.ToString());
  }
  if (op == "*") {
    if ((a.is_string() || a.is_array()) && b.is_int()) return RepeatSequence(a, b.int_value());
    if ((b.is_string() || b.is_array()) && a.is_int()) return RepeatSequence(b, a.int_value());
  }
  return NumberArithmetic(op, a, b);
}

}  // namespace

Result<Value> Interpreter::Eval(const Expr& expr) {
  switch (expr.kind) {
    case ExprKind::kLiteral:
      return expr.literal;
    case ExprKind::kName:
      return Lookup(expr.name);
    case ExprKind::kList: {
      Value list = Value::NewArray();
      for (const auto& child : expr.children) {
        CITADEL_ASSIGN_OR_RETURN(Value v, Eval(*child));
        list.array().push_back(std::move(v));
      }
      return list;
    }
    case ExprKind::kDict: {
      Value dict = Value::NewObject();
      for (std::size_t i = 0; i + 1 < expr.children.size(); i += 2) {
        CITADEL_ASSIGN_OR_RETURN(Value key, Eval(*expr.children[i]));
        CITADEL_ASSIGN_OR_RETURN(Value value, Eval(*expr.children[i + 1]));
        std::string text = key.ToString();
        if (!key.is_string()) dict.object().typed_keys.emplace_back(text, key);
        dict.object().Set(std::move(text), std::move(value));
      }
      return dict;
    }
    case ExprKind::kMember: {
      CITADEL_ASSIGN_OR_RETURN(Value object, Eval(*expr.children[0]));
      if (object.is_object()) {
        const Value* found = object.object().Find(expr.name);
        if (found != nullptr) return *found;
      }
      return Value();
    }
    case ExprKind::kIndex:
      return EvalIndex(expr);
    case ExprKind::kSlice:
      return EvalSlice(expr);
    case ExprKind::kCall:
      return EvalCall(expr);
    case ExprKind::kFilter:
    case ExprKind::kTest:
      return EvalFilterOrTest(expr);
    case ExprKind::kUnary:
      return EvalUnary(expr);
    case ExprKind::kBinary:
      return EvalBinary(expr);
    case ExprKind::kConditional: {
      CITADEL_ASSIGN_OR_RETURN(Value cond, Eval(*expr.children[0]));
      if (cond.Truthy()) return Eval(*expr.children[1]);
      if (expr.children[2]) return Eval(*expr.children[2]);
      return Value();
    }
  }
  return Value();
}

Result<Value> Interpreter::EvalFilterOrTest(const Expr& expr) {
  CITADEL_ASSIGN_OR_RETURN(Value input, Eval(*expr.children[0]));
  CITADEL_ASSIGN_OR_RETURN(CallArgs args, EvalArgs(expr));
  if (expr.kind == ExprKind::kFilter) {
    auto result = ApplyFilter(expr.name, input, args);
    if (!result.ok()) return At(expr.offset, result.status());
    return result;
  }
  auto result = ApplyTest(expr.name, input, args);
  if (!result.ok()) return At(expr.offset, result.status());
  return Value::Bool(*result != expr.negated);
}

Result<Value> Interpreter::EvalUnary(const Expr& expr) {
  CITADEL_ASSIGN_OR_RETURN(Value operand, Eval(*expr.children[0]));
  if (expr.name == "not") return Value::Bool(!operand.Truthy());
  if (!operand.is_number()) {
    return At(expr.offset, InvalidArgumentError("bad operand type for unary " + expr.name + ": " +
                                                std::string(operand.TypeName())));
  }
  if (expr.name == "+") return operand;
  if (operand.is_float()) return Value::Float(-operand.number_value());
  if (operand.int_value() == std::numeric_limits<std::int64_t>::min()) {
    return At(expr.offset, InvalidArgumentError("integer overflow"));
  }
  return Value::Int(-operand.int_value());
}

Result<Value> Interpreter::EvalBinary(const Expr& expr) {
  CITADEL_ASSIGN_OR_RETURN(Value lhs, Eval(*expr.children[0]));
  if (expr.name == "and") return lhs.Truthy() ? Eval(*expr.children[1]) : Result<Value>(lhs);
  if (expr.name == "or") return lhs.Truthy() ? Result<Value>(lhs) : Eval(*expr.children[1]);
  CITADEL_ASSIGN_OR_RETURN(Value rhs, Eval(*expr.children[1]));
  auto result = Combine(expr.name, lhs, rhs);
  if (!result.ok()) return At(expr.children[1]->offset, result.status());
  return result;
}

Result<CallArgs> Interpreter::EvalArgs(const Expr& expr) {
  CallArgs args;
  for (std::size_t i = 1; i < expr.children.size(); ++i) {
    CITADEL_ASSIGN_OR_RETURN(Value v, Eval(*expr.children[i]));
    const std::string& keyword = expr.arg_names[i - 1];
    if (keyword.empty()) {
      args.positional.push_back(std::move(v));
    } else {
      args.keyword.emplace_back(keyword, std::move(v));
    }
  }
  return args;
}

Result<Value> Interpreter::EvalCall(const Expr& expr) {
  const Expr& callee = *expr.children[0];
  CITADEL_ASSIGN_OR_RETURN(CallArgs args, EvalArgs(expr));
  Value function;
  if (callee.kind == ExprKind::kMember) {
    CITADEL_ASSIGN_OR_RETURN(Value self, Eval(*callee.children[0]));
    const Value* member = self.is_object() ? self.object().Find(callee.name) : nullptr;
    if (member == nullptr || !member->is_callable()) {
      if (self.is_array() || self.is_object()) NoteMutation(self);
      auto result = CallMethod(self, callee.name, args);
      if (!result.ok()) return At(callee.offset, result.status());
      return result;
    }
    function = *member;
  } else {
    CITADEL_ASSIGN_OR_RETURN(function, Eval(callee));
  }
  if (!function.is_callable()) {
    std::string what = callee.kind == ExprKind::kName ? "'" + callee.name + "'" : "value";
    return At(expr.offset, InvalidArgumentError(what + " is not callable (a " +
                                                std::string(function.TypeName()) + ")"));
  }
  auto result = function.callable().function(args);
  if (!result.ok()) return At(expr.offset, result.status());
  return result;
}

Result<Value> Interpreter::EvalIndex(const Expr& expr) {
  CITADEL_ASSIGN_OR_RETURN(Value object, Eval(*expr.children[0]));
  CITADEL_ASSIGN_OR_RETURN(Value key, Eval(*expr.children[1]));
  if (object.is_object()) {
    const Value* found = object.object().Find(key.ToString());
    return found != nullptr ? *found : Value();
  }
  if ((object.is_array() || object.is_string()) && key.is_int()) {
    std::int64_t size = object.is_array() ? static_cast<std::int64_t>(object.array().size())
                                          : static_cast<std::int64_t>(object.string_value().size());
    std::int64_t i = key.int_value() < 0 ? key.int_value() + size : key.int_value();
    if (i < 0 || i >= size) return Value();
    if (object.is_array()) return object.array()[static_cast<std::size_t>(i)];
    return Value::String(std::string(1, object.string_value()[static_cast<std::size_t>(i)]));
  }
  return Value();
}

Result<Value> Interpreter::EvalSlice(const Expr& expr) {
  CITADEL_ASSIGN_OR_RETURN(Value object, Eval(*expr.children[0]));
  Value bounds[3];
  for (int i = 0; i < 3; ++i) {
    if (expr.children[static_cast<std::size_t>(i) + 1]) {
      CITADEL_ASSIGN_OR_RETURN(bounds[i], Eval(*expr.children[static_cast<std::size_t>(i) + 1]));
    }
  }
  std::int64_t step = bounds[2].is_int() ? bounds[2].int_value() : 1;
  if (step == 0) step = 1;
  auto pick = [&](std::int64_t size, auto&& visit) {
    auto clamp = [&](const Value& v, std::int64_t fallback) {
      if (!v.is_int()) return fallback;
      std::int64_t i = v.int_value() < 0 ? v.int_value() + size : v.int_value();
      return step > 0 ? std::clamp<std::int64_t>(i, 0, size)
                      : std::clamp<std::int64_t>(i, -1, size - 1);
    };
    std::int64_t start = clamp(bounds[0], step > 0 ? 0 : size - 1);
    std::int64_t stop = clamp(bounds[1], step > 0 ? size : -1);
    for (std::int64_t i = start; step > 0 ? i < stop : i > stop; i += step)
      visit(static_cast<std::size_t>(i));
  };
  if (object.is_array()) {
    Value out = Value::NewArray();
    const auto& items = object.array();
    pick(static_cast<std::int64_t>(items.size()),
         [&](std::size_t i) { out.array().push_back(items[i]); });
    return out;
  }
  if (object.is_string()) {
    std::vector<std::string_view> chars;
    const std::string& s = object.string_value();
    for (std::size_t i = 0; i < s.size();) {
      std::size_t n = 1;
      while (i + n < s.size() && (static_cast<unsigned char>(s[i + n]) & 0xC0) == 0x80) ++n;
      chars.emplace_back(s.data() + i, n);
      i += n;
    }
    std::string out;
    pick(static_cast<std::int64_t>(chars.size()), [&](std::size_t i) { out += chars[i]; });
    return Value::String(std::move(out));
  }
  if (object.is_undefined() || object.is_none()) return Value();
  return At(expr.offset, InvalidArgumentError("cannot slice a " + std::string(object.TypeName())));
}

}  // namespace citadel::tmpl::jinja
