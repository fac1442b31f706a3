// Builds a GGUF v3 file in memory: metadata in insertion order, tensors in
// insertion order, each tensor's data aligned to the file's alignment and
// padded with zeros. A written file parses back with GgufFile to the same
// values and the same tensor bytes.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gguf/gguf_file.h"
#include "gguf/tensor_type.h"
#include "util/status.h"

namespace citadel::gguf {

// Thread-compatible: use from one thread at a time.
class GgufWriter {
 public:
  GgufWriter() = default;

  // Metadata setters. A later Set of the same key replaces the value and keeps
  // the key's original position.
  void SetU8(std::string key, std::uint8_t v);
  void SetI8(std::string key, std::int8_t v);
  void SetU16(std::string key, std::uint16_t v);
  void SetI16(std::string key, std::int16_t v);
  void SetU32(std::string key, std::uint32_t v);
  void SetI32(std::string key, std::int32_t v);
  void SetU64(std::string key, std::uint64_t v);
  void SetI64(std::string key, std::int64_t v);
  void SetF32(std::string key, float v);
  void SetF64(std::string key, double v);
  void SetBool(std::string key, bool v);
  void SetString(std::string key, std::string_view v);
  void SetStringArray(std::string key, const std::vector<std::string>& v);
  void SetF32Array(std::string key, const std::vector<float>& v);
  void SetI32Array(std::string key, const std::vector<std::int32_t>& v);
  // Copies any value (nested arrays included) bit-exactly, e.g. from another
  // file to carry its tokenizer into a new one.
  void SetValue(std::string key, const Value& value);
  // Removes `key` if present; returns whether it was.
  bool Remove(std::string_view key);

  // Adds a tensor; `data` is copied. InvalidArgument when the type is not a
  // valid TensorType, dims are not 1..4 positive values, dims[0] is not a
  // multiple of the type's block size, the name is empty or 64+ bytes, or
  // data.size() differs from the size dims imply; AlreadyExists for a
  // repeated name.
  Status AddTensor(std::string name, TensorType type, std::vector<std::int64_t> dims,
                   std::span<const std::uint8_t> data);

  // Alignment of the data section and tensors (a power of two); writes
  // general.alignment when != 32. Default 32.
  void SetAlignment(std::uint64_t alignment);

  // The whole file. InvalidArgument when the alignment is not a power of two.
  Result<std::vector<std::uint8_t>> Serialize() const;
  // Serializes and writes `path` (replaced if present); errors name the path.
  Status WriteFile(const std::string& path) const;

 private:
  struct Entry {
    std::string key;
    ValueType type;
    std::vector<std::uint8_t> payload;  // encoded bytes after the type tag
  };
  struct Tensor {
    std::string name;
    TensorType type;
    std::vector<std::int64_t> dims;
    std::vector<std::uint8_t> data;
  };

  void Set(std::string key, ValueType type, std::vector<std::uint8_t> payload);

  std::vector<Entry> entries_;
  std::vector<Tensor> tensors_;
  std::uint64_t alignment_ = kDefaultAlignment;
};

}  // namespace citadel::gguf
