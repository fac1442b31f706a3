// A parsed, fully validated GGUF file (versions 2 and 3).
//
// Layout of a GGUF file (all integers little-endian):
//
//   "GGUF" u32 version  u64 tensor_count  u64 metadata_count
//   metadata_count × { string key, u32 value_type, value }
//   tensor_count   × { string name, u32 n_dims, u64 dims[n_dims], u32 type, u64 offset }
//   padding to `general.alignment` (default 32)
//   data section: each tensor at data_start + offset (offset aligned)
//
//   string = u64 length + bytes (no terminator)
//   array  = u32 element_type + u64 count + count × element (arrays may nest)
//
// Every length, count, dimension and offset is checked against the bytes
// that remain before anything is allocated or dereferenced; an error names
// the file, the field (key or tensor name) and the byte offset.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gguf/tensor_type.h"
#include "util/mapped_file.h"
#include "util/status.h"

namespace citadel::gguf {

// Metadata value type ids as GGUF stores them.
enum class ValueType : std::uint32_t {
  kU8 = 0,
  kI8 = 1,
  kU16 = 2,
  kI16 = 3,
  kU32 = 4,
  kI32 = 5,
  kF32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kU64 = 10,
  kI64 = 11,
  kF64 = 12,
};

// "u32", "string", "array", ...; "invalid" for ids outside the enum.
std::string_view ValueTypeName(ValueType type);

// Bytes of one element of a fixed-size type; 0 for string and array.
std::size_t ValueTypeSize(ValueType type);

// A metadata value: a validated view of its encoded bytes inside the file
// (strings are string_views into the file). Cheap to copy; borrows the bytes,
// so it must not outlive the GgufFile (or the buffer) it came from.
// Thread-safe for concurrent reads.
class Value {
 public:
  Value() = default;  // a u8 zero-length placeholder; type() is kU8, As* fail

  // Builds a view over `payload`, the encoded bytes that follow the u32 type
  // tag. The bytes must have been validated by the GGUF parser (they are not
  // re-checked here); used by GgufFile and the writer.
  static Value FromValidated(ValueType type, std::span<const std::uint8_t> payload);

  ValueType type() const { return type_; }
  bool is_array() const { return type_ == ValueType::kArray; }
  bool is_string() const { return type_ == ValueType::kString; }
  bool is_integer() const;  // u8..i64 (not bool)
  bool is_float() const;    // f32, f64

  // The encoded bytes after the type tag (for arrays: element type, count and
  // elements). The writer copies these to reproduce a value bit-exactly.
  std::span<const std::uint8_t> payload() const { return payload_; }

  // Scalar getters. Integer getters accept any integer storage whose value
  // fits the target; AsF32/AsF64 accept floats and integers exactly
  // representable. InvalidArgument (naming the stored type and value) otherwise.
  Result<std::uint32_t> AsU32() const;
  Result<std::int32_t> AsI32() const;
  Result<std::uint64_t> AsU64() const;
  Result<std::int64_t> AsI64() const;
  Result<float> AsF32() const;
  Result<double> AsF64() const;
  Result<bool> AsBool() const;
  // The string's bytes; empty when the value is not a string.
  std::string_view AsString() const;

  // Arrays: element type and element count (kU8 / 0 for non-arrays).
  ValueType array_type() const { return array_type_; }
  std::uint64_t size() const { return count_; }
  // Raw little-endian element bytes of a fixed-size-element array (empty for
  // string and nested arrays), count × ValueTypeSize(array_type()).
  std::span<const std::uint8_t> element_bytes() const;
  // All elements as Values, in order (strings and nested arrays included).
  // One allocation; O(total bytes).
  std::vector<Value> Elements() const;
  // Element `index` (< size()); O(1) for fixed-size elements, O(index) for
  // strings and nested arrays. Programmer error when out of range.
  Value At(std::uint64_t index) const;

  // A short human-readable rendering: scalars in full, strings quoted and cut
  // at `max_chars`, arrays as "[type × count]".
  std::string DebugString(std::size_t max_chars = 60) const;

 private:
  ValueType type_ = ValueType::kU8;
  ValueType array_type_ = ValueType::kU8;
  std::uint64_t count_ = 0;                // array element count
  std::span<const std::uint8_t> payload_;  // encoded bytes after the type tag
};

struct MetadataEntry {
  std::string_view key;  // into the file bytes
  Value value;
};

struct TensorInfo {
  std::string name;
  TensorType type;                 // from gguf/tensor_type.h
  std::vector<std::int64_t> dims;  // dims[0] is the row length (innermost), ggml order
  std::int64_t elements = 0;       // product of dims (validated not to overflow)
  std::uint64_t offset = 0;        // relative to the data section
  // The tensor's bytes inside the mapping. Its file offset is a multiple of
  // the file's alignment; with Open the mapping is page-aligned, so the data
  // is aligned in memory too (with Parse, as aligned as the caller's buffer).
  std::span<const std::uint8_t> data;

  std::int64_t rows() const { return dims.empty() || dims[0] == 0 ? 0 : elements / dims[0]; }
  std::uint64_t size_bytes() const { return data.size(); }
};

// Largest number of dimensions a tensor may have (as in the reference).
inline constexpr std::uint32_t kMaxTensorDims = 4;
// Tensor names must be shorter than this many bytes (as in the reference).
inline constexpr std::size_t kMaxTensorNameBytes = 64;
// Alignment of the data section and of every tensor when the file does not
// set `general.alignment`.
inline constexpr std::uint64_t kDefaultAlignment = 32;
// Deepest nesting of arrays inside arrays the reader accepts.
inline constexpr int kMaxArrayNesting = 8;

// Immutable after Open/Parse; thread-safe for concurrent reads. Move-only.
// Moving keeps every view (keys, values, tensor spans) valid: they point into
// the mapping or borrowed buffer, never into the GgufFile object.
class GgufFile {
 public:
  GgufFile(GgufFile&&) noexcept;
  GgufFile& operator=(GgufFile&&) noexcept;
  GgufFile(const GgufFile&) = delete;
  GgufFile& operator=(const GgufFile&) = delete;
  ~GgufFile();

  // Memory-maps `path` and validates it fully. NotFound / PermissionDenied
  // when it cannot be opened; InvalidArgument / DataLoss naming the path, the
  // field and the byte offset when the contents are malformed.
  static Result<GgufFile> Open(const std::string& path);
  // Parses borrowed bytes (the caller keeps them alive); `name` appears in errors.
  static Result<GgufFile> Parse(std::span<const std::uint8_t> bytes, std::string name);

  std::uint32_t version() const { return version_; }
  std::uint64_t alignment() const { return alignment_; }
  const std::string& name() const { return name_; }  // path or given name
  std::span<const std::uint8_t> bytes() const { return bytes_; }
  // Offset of the data section from the start of the file.
  std::uint64_t data_offset() const { return data_offset_; }

  const std::vector<MetadataEntry>& metadata() const { return metadata_; }  // in file order
  const Value* Find(std::string_view key) const;                            // nullptr when absent
  bool Has(std::string_view key) const { return Find(key) != nullptr; }

  // Numeric getters accept any integer/float storage type that converts losslessly
  // (files store the same key as u32 or i32); NotFound / InvalidArgument otherwise.
  // Errors name the file and the key.
  Result<std::uint32_t> GetU32(std::string_view key) const;
  Result<std::int32_t> GetI32(std::string_view key) const;
  Result<std::uint64_t> GetU64(std::string_view key) const;
  Result<float> GetF32(std::string_view key) const;
  Result<bool> GetBool(std::string_view key) const;
  Result<std::string_view> GetString(std::string_view key) const;
  // Views into the file; one allocation for the vector, none per string.
  Result<std::vector<std::string_view>> GetStringArray(std::string_view key) const;
  // Accept arrays of any numeric element type whose values convert losslessly.
  Result<std::vector<float>> GetF32Array(std::string_view key) const;
  Result<std::vector<std::int32_t>> GetI32Array(std::string_view key) const;

  const std::vector<TensorInfo>& tensors() const { return tensors_; }  // in file order
  const TensorInfo* FindTensor(std::string_view name) const;           // nullptr when absent

  // Drops the resident pages of `range` (inside the file's bytes) once the
  // caller keeps its own copy (MappedFile::DropPages); no-op for Parse.
  void DropPages(std::span<const std::uint8_t> range) const {
    if (mapping_ != nullptr) mapping_->DropPages(range);
  }

 private:
  friend class GgufParser;
  GgufFile() = default;

  std::unique_ptr<MappedFile> mapping_;  // null for Parse (borrowed bytes)
  std::span<const std::uint8_t> bytes_;
  std::string name_;
  std::uint32_t version_ = 0;
  std::uint64_t alignment_ = kDefaultAlignment;
  std::uint64_t data_offset_ = 0;
  std::vector<MetadataEntry> metadata_;
  std::vector<TensorInfo> tensors_;
  // Keys are views into the file bytes, so they survive moves.
  std::unordered_map<std::string_view, std::size_t> key_index_;
  std::unordered_map<std::string_view, std::size_t> tensor_index_;
};

}  // namespace citadel::gguf
