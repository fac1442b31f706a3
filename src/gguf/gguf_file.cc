#include "gguf/gguf_file.h"

#include <cstring>
#include <utility>

#include "gguf/byte_reader.h"
#include "gguf/gguf_parser.h"

namespace citadel::gguf {

GgufFile::GgufFile(GgufFile&&) noexcept = default;
GgufFile& GgufFile::operator=(GgufFile&&) noexcept = default;
GgufFile::~GgufFile() = default;

Result<GgufFile> GgufFile::Open(const std::string& path) {
  CITADEL_ASSIGN_OR_RETURN(MappedFile mapped, MappedFile::Open(path));
  auto mapping = std::make_unique<MappedFile>(std::move(mapped));
  CITADEL_ASSIGN_OR_RETURN(GgufFile file, GgufParser::Run(mapping->bytes(), path));
  file.mapping_ = std::move(mapping);
  return file;
}

Result<GgufFile> GgufFile::Parse(std::span<const std::uint8_t> bytes, std::string name) {
  return GgufParser::Run(bytes, std::move(name));
}

const Value* GgufFile::Find(std::string_view key) const {
  auto it = key_index_.find(key);
  return it == key_index_.end() ? nullptr : &metadata_[it->second].value;
}

const TensorInfo* GgufFile::FindTensor(std::string_view name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

namespace {

// Finds `key` or says which file lacks it.
Result<const Value*> Lookup(const GgufFile& file, std::string_view key) {
  const Value* value = file.Find(key);
  if (value == nullptr) {
    return NotFoundError(file.name() + ": metadata key '" + std::string(key) + "' not found");
  }
  return value;
}

template <typename T>
Result<T> WithKey(const GgufFile& file, std::string_view key, Result<T> result) {
  if (result.ok()) return result;
  return result.status().WithContext(file.name() + ": metadata key '" + std::string(key) + "'");
}

Status NotAnArray(const GgufFile& file, std::string_view key, const Value& value,
                  std::string_view wanted) {
  std::string stored = std::string(ValueTypeName(value.type()));
  if (value.is_array()) stored = "array of " + std::string(ValueTypeName(value.array_type()));
  return InvalidArgumentError(file.name() + ": metadata key '" + std::string(key) + "': " + stored +
                              " is not an array of " + std::string(wanted));
}

// Converts each element of a numeric array with `convert` (a Value -> Result<T>).
template <typename T, typename Convert>
Result<std::vector<T>> NumericArray(const GgufFile& file, std::string_view key,
                                    std::string_view wanted, Convert convert) {
  CITADEL_ASSIGN_OR_RETURN(const Value* value, Lookup(file, key));
  std::size_t elem_size = ValueTypeSize(value->array_type());
  if (!value->is_array() || elem_size == 0 || value->array_type() == ValueType::kBool) {
    return NotAnArray(file, key, *value, wanted);
  }
  std::vector<T> out(value->size());
  std::span<const std::uint8_t> bytes = value->element_bytes();
  for (std::size_t i = 0; i < out.size(); ++i) {
    Value elem = Value::FromValidated(value->array_type(), bytes.subspan(i * elem_size, elem_size));
    Result<T> v = convert(elem);
    if (!v.ok()) {
      return v.status().WithContext(file.name() + ": metadata key '" + std::string(key) +
                                    "' element " + std::to_string(i));
    }
    out[i] = *v;
  }
  return out;
}

}  // namespace

Result<std::uint32_t> GgufFile::GetU32(std::string_view key) const {
  CITADEL_ASSIGN_OR_RETURN(const Value* value, Lookup(*this, key));
  return WithKey(*this, key, value->AsU32());
}

Result<std::int32_t> GgufFile::GetI32(std::string_view key) const {
  CITADEL_ASSIGN_OR_RETURN(const Value* value, Lookup(*this, key));
  return WithKey(*this, key, value->AsI32());
}

Result<std::uint64_t> GgufFile::GetU64(std::string_view key) const {
  CITADEL_ASSIGN_OR_RETURN(const Value* value, Lookup(*this, key));
  return WithKey(*this, key, value->AsU64());
}

Result<float> GgufFile::GetF32(std::string_view key) const {
  CITADEL_ASSIGN_OR_RETURN(const Value* value, Lookup(*this, key));
  return WithKey(*this, key, value->AsF32());
}

Result<bool> GgufFile::GetBool(std::string_view key) const {
  CITADEL_ASSIGN_OR_RETURN(const Value* value, Lookup(*this, key));
  return WithKey(*this, key, value->AsBool());
}

Result<std::string_view> GgufFile::GetString(std::string_view key) const {
  CITADEL_ASSIGN_OR_RETURN(const Value* value, Lookup(*this, key));
  if (!value->is_string()) {
    return InvalidArgumentError(name_ + ": metadata key '" + std::string(key) + "': " +
                                std::string(ValueTypeName(value->type())) + " is not a string");
  }
  return value->AsString();
}

Result<std::vector<std::string_view>> GgufFile::GetStringArray(std::string_view key) const {
  CITADEL_ASSIGN_OR_RETURN(const Value* value, Lookup(*this, key));
  if (!value->is_array() || value->array_type() != ValueType::kString) {
    return NotAnArray(*this, key, *value, "string");
  }
  // Walk the validated encoding directly: u64 length + bytes per element.
  std::vector<std::string_view> out(value->size());
  std::span<const std::uint8_t> payload = value->payload();
  std::size_t pos = 12;
  for (std::string_view& s : out) {
    std::uint64_t length = LoadLe<std::uint64_t>(payload.data() + pos);
    s = std::string_view(reinterpret_cast<const char*>(payload.data()) + pos + 8, length);
    pos += 8 + length;
  }
  return out;
}

Result<std::vector<float>> GgufFile::GetF32Array(std::string_view key) const {
  const Value* value = Find(key);
  if (value != nullptr && value->is_array() && value->array_type() == ValueType::kF32) {
    std::vector<float> out(value->size());  // fast path: the bytes are the floats
    if (!out.empty()) std::memcpy(out.data(), value->element_bytes().data(), out.size() * 4);
    return out;
  }
  return NumericArray<float>(*this, key, "f32", [](const Value& v) { return v.AsF32(); });
}

Result<std::vector<std::int32_t>> GgufFile::GetI32Array(std::string_view key) const {
  const Value* value = Find(key);
  if (value != nullptr && value->is_array() && value->array_type() == ValueType::kI32) {
    std::vector<std::int32_t> out(value->size());
    if (!out.empty()) std::memcpy(out.data(), value->element_bytes().data(), out.size() * 4);
    return out;
  }
  return NumericArray<std::int32_t>(*this, key, "i32", [](const Value& v) { return v.AsI32(); });
}

}  // namespace citadel::gguf
