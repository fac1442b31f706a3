#include <cassert>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "gguf/byte_reader.h"
#include "gguf/gguf_file.h"

namespace citadel::gguf {
namespace {

// A scalar widened to one of three representations.
struct Scalar {
  enum class Kind { kUnsigned, kSigned, kFloat, kBool, kNone } kind = Kind::kNone;
  std::uint64_t u = 0;
  std::int64_t i = 0;
  double f = 0;
};

Scalar LoadScalar(ValueType type, const std::uint8_t* p) {
  Scalar s;
  using K = Scalar::Kind;
  switch (type) {
    case ValueType::kU8:
      s = {K::kUnsigned, LoadLe<std::uint8_t>(p)};
      break;
    case ValueType::kU16:
      s = {K::kUnsigned, LoadLe<std::uint16_t>(p)};
      break;
    case ValueType::kU32:
      s = {K::kUnsigned, LoadLe<std::uint32_t>(p)};
      break;
    case ValueType::kU64:
      s = {K::kUnsigned, LoadLe<std::uint64_t>(p)};
      break;
    case ValueType::kI8:
      s = {K::kSigned, 0, LoadLe<std::int8_t>(p)};
      break;
    case ValueType::kI16:
      s = {K::kSigned, 0, LoadLe<std::int16_t>(p)};
      break;
    case ValueType::kI32:
      s = {K::kSigned, 0, LoadLe<std::int32_t>(p)};
      break;
    case ValueType::kI64:
      s = {K::kSigned, 0, LoadLe<std::int64_t>(p)};
      break;
    case ValueType::kF32:
      s = {K::kFloat, 0, 0, LoadLe<float>(p)};
      break;
    case ValueType::kF64:
      s = {K::kFloat, 0, 0, LoadLe<double>(p)};
      break;
    case ValueType::kBool:
      s = {K::kBool, LoadLe<std::uint8_t>(p)};
      break;
    default:
      break;
  }
  return s;
}

std::string ScalarText(const Scalar& s) {
  switch (s.kind) {
    case Scalar::Kind::kUnsigned:
      return std::to_string(s.u);
    case Scalar::Kind::kSigned:
      return std::to_string(s.i);
    case Scalar::Kind::kFloat: {
      char buf[64];
      std::snprintf(buf, sizeof(buf), "%.9g", s.f);
      return buf;
    }
    case Scalar::Kind::kBool:
      return s.u != 0 ? "true" : "false";
    case Scalar::Kind::kNone:
      break;
  }
  return "?";
}

Status Mismatch(ValueType stored, const Scalar& s, std::string_view wanted) {
  std::string text = std::string(ValueTypeName(stored));
  if (s.kind != Scalar::Kind::kNone) text += " value " + ScalarText(s);
  return InvalidArgumentError(text + " does not convert losslessly to " + std::string(wanted));
}

// Integer conversion into [lo, hi] (hi <= INT64_MAX or the unsigned max).
template <typename T>
Result<T> ToInteger(ValueType stored, const Scalar& s, std::string_view wanted) {
  using L = std::numeric_limits<T>;
  switch (s.kind) {
    case Scalar::Kind::kUnsigned:
      if (s.u <= static_cast<std::uint64_t>(L::max())) return static_cast<T>(s.u);
      break;
    case Scalar::Kind::kSigned:
      if (s.i >= static_cast<std::int64_t>(L::min()) &&
          (s.i < 0 || static_cast<std::uint64_t>(s.i) <= static_cast<std::uint64_t>(L::max()))) {
        return static_cast<T>(s.i);
      }
      break;
    case Scalar::Kind::kFloat:
      // Exactly integral floats inside the range convert (2^63 bounds are exact doubles).
      if (std::isfinite(s.f) && std::trunc(s.f) == s.f && s.f >= static_cast<double>(L::min()) &&
          s.f < std::ldexp(1.0, L::digits)) {
        return static_cast<T>(s.f);
      }
      break;
    default:
      break;
  }
  return Mismatch(stored, s, wanted);
}

template <typename F>
Result<F> ToFloat(ValueType stored, const Scalar& s, std::string_view wanted) {
  switch (s.kind) {
    case Scalar::Kind::kFloat: {
      F f = static_cast<F>(s.f);
      if (static_cast<double>(f) == s.f || std::isnan(s.f)) return f;
      break;
    }
    case Scalar::Kind::kUnsigned: {
      // Exact when the value has no more significant bits than F's mantissa.
      if (s.u < (std::uint64_t{1} << std::numeric_limits<F>::digits)) return static_cast<F>(s.u);
      break;
    }
    case Scalar::Kind::kSigned: {
      std::int64_t limit = std::int64_t{1} << std::numeric_limits<F>::digits;
      if (s.i > -limit && s.i < limit) return static_cast<F>(s.i);
      break;
    }
    default:
      break;
  }
  return Mismatch(stored, s, wanted);
}

// Bytes the encoded value of `type` at `p` occupies (validated data).
std::size_t EncodedSize(ValueType type, const std::uint8_t* p) {
  if (type == ValueType::kString) return 8 + LoadLe<std::uint64_t>(p);
  if (type != ValueType::kArray) return ValueTypeSize(type);
  auto elem = static_cast<ValueType>(LoadLe<std::uint32_t>(p));
  std::uint64_t count = LoadLe<std::uint64_t>(p + 4);
  std::size_t size = 12;
  if (elem != ValueType::kString && elem != ValueType::kArray) {
    return size + count * ValueTypeSize(elem);
  }
  for (std::uint64_t i = 0; i < count; ++i) size += EncodedSize(elem, p + size);
  return size;
}

}  // namespace

std::string_view ValueTypeName(ValueType type) {
  switch (type) {
    case ValueType::kU8:
      return "u8";
    case ValueType::kI8:
      return "i8";
    case ValueType::kU16:
      return "u16";
    case ValueType::kI16:
      return "i16";
    case ValueType::kU32:
      return "u32";
    case ValueType::kI32:
      return "i32";
    case ValueType::kF32:
      return "f32";
    case ValueType::kBool:
      return "bool";
    case ValueType::kString:
      return "string";
    case ValueType::kArray:
      return "array";
    case ValueType::kU64:
      return "u64";
    case ValueType::kI64:
      return "i64";
    case ValueType::kF64:
      return "f64";
  }
  return "invalid";
}

std::size_t ValueTypeSize(ValueType type) {
  switch (type) {
    case ValueType::kU8:
    case ValueType::kI8:
    case ValueType::kBool:
      return 1;
    case ValueType::kU16:
    case ValueType::kI16:
      return 2;
    case ValueType::kU32:
    case ValueType::kI32:
    case ValueType::kF32:
      return 4;
    case ValueType::kU64:
    case ValueType::kI64:
    case ValueType::kF64:
      return 8;
    case ValueType::kString:
    case ValueType::kArray:
      return 0;
  }
  return 0;
}

Value Value::FromValidated(ValueType type, std::span<const std::uint8_t> payload) {
  Value v;
  v.type_ = type;
  v.payload_ = payload;
  if (type == ValueType::kArray) {
    v.array_type_ = static_cast<ValueType>(LoadLe<std::uint32_t>(payload.data()));
    v.count_ = LoadLe<std::uint64_t>(payload.data() + 4);
  }
  return v;
}

bool Value::is_integer() const {
  switch (type_) {
    case ValueType::kU8:
    case ValueType::kI8:
    case ValueType::kU16:
    case ValueType::kI16:
    case ValueType::kU32:
    case ValueType::kI32:
    case ValueType::kU64:
    case ValueType::kI64:
      return true;
    default:
      return false;
  }
}

bool Value::is_float() const {
  return type_ == ValueType::kF32 || type_ == ValueType::kF64;
}

namespace {
Scalar ScalarOf(ValueType type, std::span<const std::uint8_t> payload) {
  std::size_t size = ValueTypeSize(type);
  if (size == 0 || payload.size() < size) return Scalar{};
  return LoadScalar(type, payload.data());
}
}  // namespace

Result<std::uint32_t> Value::AsU32() const {
  return ToInteger<std::uint32_t>(type_, ScalarOf(type_, payload_), "u32");
}
Result<std::int32_t> Value::AsI32() const {
  return ToInteger<std::int32_t>(type_, ScalarOf(type_, payload_), "i32");
}
Result<std::uint64_t> Value::AsU64() const {
  return ToInteger<std::uint64_t>(type_, ScalarOf(type_, payload_), "u64");
}
Result<std::int64_t> Value::AsI64() const {
  return ToInteger<std::int64_t>(type_, ScalarOf(type_, payload_), "i64");
}
Result<float> Value::AsF32() const {
  return ToFloat<float>(type_, ScalarOf(type_, payload_), "f32");
}
Result<double> Value::AsF64() const {
  return ToFloat<double>(type_, ScalarOf(type_, payload_), "f64");
}

Result<bool> Value::AsBool() const {
  Scalar s = ScalarOf(type_, payload_);
  if (s.kind == Scalar::Kind::kBool) return s.u != 0;
  return Mismatch(type_, s, "bool");
}

std::string_view Value::AsString() const {
  if (type_ != ValueType::kString || payload_.size() < 8) return {};
  return std::string_view(reinterpret_cast<const char*>(payload_.data()) + 8, payload_.size() - 8);
}

std::span<const std::uint8_t> Value::element_bytes() const {
  std::size_t size = ValueTypeSize(array_type_);
  if (type_ != ValueType::kArray || size == 0) return {};
  return payload_.subspan(12, count_ * size);
}

std::vector<Value> Value::Elements() const {
  std::vector<Value> out;
  if (type_ != ValueType::kArray) return out;
  out.reserve(count_);  // validated: count_ elements fit in the payload
  std::size_t pos = 12;
  for (std::uint64_t i = 0; i < count_; ++i) {
    std::size_t size = EncodedSize(array_type_, payload_.data() + pos);
    out.push_back(FromValidated(array_type_, payload_.subspan(pos, size)));
    pos += size;
  }
  return out;
}

Value Value::At(std::uint64_t index) const {
  assert(type_ == ValueType::kArray && index < count_);
  std::size_t fixed = ValueTypeSize(array_type_);
  if (fixed != 0) return FromValidated(array_type_, payload_.subspan(12 + index * fixed, fixed));
  std::size_t pos = 12;
  for (std::uint64_t i = 0; i < index; ++i) pos += EncodedSize(array_type_, payload_.data() + pos);
  return FromValidated(array_type_,
                       payload_.subspan(pos, EncodedSize(array_type_, payload_.data() + pos)));
}

std::string Value::DebugString(std::size_t max_chars) const {
  if (type_ == ValueType::kArray) {
    std::string out = "[";
    out.append(ValueTypeName(array_type_)).append(" x ").append(std::to_string(count_)).append("]");
    return out;
  }
  if (type_ == ValueType::kString) {
    std::string_view s = AsString();
    std::string out = "\"";
    for (std::size_t i = 0; i < s.size() && i < max_chars; ++i) {
      char c = s[i];
      if (c == '\n') {
        out += "\\n";
      } else if (c == '"' || c == '\\') {
        out += '\\';
        out += c;
      } else {
        out += (static_cast<unsigned char>(c) < 0x20) ? '?' : c;
      }
    }
    out += s.size() > max_chars ? "\"..." : "\"";
    return out;
  }
  if (type_ == ValueType::kF32 && payload_.size() == 4) {
    char buf[32];  // the shortest text that reads back as the same float
    auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), LoadLe<float>(payload_.data()));
    if (ec == std::errc()) return std::string(buf, end);
  }
  return ScalarText(ScalarOf(type_, payload_));
}

}  // namespace citadel::gguf
