#include "gguf/gguf_parser.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <string_view>
#include <utility>

#include "gguf/byte_reader.h"

namespace citadel::gguf {
namespace {

constexpr std::uint32_t kMagic = 0x46554747;  // "GGUF" read as a little-endian u32
constexpr std::uint64_t kMaxValueTypeId = 12;
// Most entries reserved up front; more grow as they are actually parsed.
constexpr std::uint64_t kMaxReserve = 4096;
// Smallest possible encodings, used to bound counts before any allocation.
constexpr std::uint64_t kMinMetadataEntryBytes = 8 + 4 + 1;  // empty key, u32 type, u8 value
constexpr std::uint64_t kMinTensorInfoBytes = 8 + 1 + 4 + 8 + 4 + 8;  // 1-byte name, one dim

std::string Quote(std::string_view s) {
  std::string out = "'";
  for (char c : s.substr(0, 80)) {
    auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? '?' : c;
  }
  out += s.size() > 80 ? "...'" : "'";
  return out;
}

// One parse of one file. Fills `file` as it goes.
class ParseState {
 public:
  ParseState(std::span<const std::uint8_t> bytes, GgufFile& file, std::vector<MetadataEntry>& md,
             std::vector<TensorInfo>& tensors)
      : reader_(bytes), file_name_(file.name()), metadata_(md), tensors_(tensors) {}

  Status Header(std::uint32_t* version, std::uint64_t* tensor_count, std::uint64_t* kv_count);
  Status Metadata(std::uint64_t kv_count,
                  std::unordered_map<std::string_view, std::size_t>& key_index);
  Status Alignment(const std::unordered_map<std::string_view, std::size_t>& key_index,
                   std::uint64_t* alignment);
  Status TensorInfos(std::uint64_t count, std::uint64_t alignment,
                     std::unordered_map<std::string_view, std::size_t>& tensor_index);
  Status TensorData(std::uint64_t alignment, std::uint64_t* data_offset);

 private:
  Status Fail(std::string_view field, std::uint64_t offset, std::string what) const {
    return InvalidArgumentError(file_name_ + ": " + std::string(field) + " at byte " +
                                std::to_string(offset) + ": " + what);
  }
  Status Truncated(std::string_view field, std::uint64_t offset, std::uint64_t need) const {
    return DataLossError(file_name_ + ": " + std::string(field) + " at byte " +
                         std::to_string(offset) + ": needs " + std::to_string(need) +
                         " bytes but the file ends at byte " + std::to_string(reader_.size()) +
                         " (truncated?)");
  }
  template <typename T>
  Status ReadField(std::string_view field, T* out) {
    std::uint64_t at = reader_.position();
    if (!reader_.Read(out)) return Truncated(field, at, sizeof(T));
    return OkStatus();
  }
  Status ReadString(std::string_view field, std::string_view* out);
  Status CheckCount(std::string_view field, std::uint64_t at, std::uint64_t count,
                    std::uint64_t min_bytes_each, std::string_view what);
  Status SkipValue(ValueType type, int depth, std::string_view field);
  Status SkipArray(int depth, std::string_view field);
  Status SkipStrings(std::uint64_t count, std::string_view field);
  Status ReadDims(std::string_view field, TensorInfo* info);

  ByteReader reader_;
  const std::string& file_name_;
  std::vector<MetadataEntry>& metadata_;
  std::vector<TensorInfo>& tensors_;
};

Status ParseState::Header(std::uint32_t* version, std::uint64_t* tensor_count,
                          std::uint64_t* kv_count) {
  std::uint32_t magic = 0;
  CITADEL_TRY(ReadField("magic", &magic));
  if (magic != kMagic) {
    return Fail("magic", 0, "not a GGUF file (the first four bytes are not \"GGUF\")");
  }
  CITADEL_TRY(ReadField("version", version));
  if (*version == 0x02000000 || *version == 0x03000000) {
    return Fail("version", 4, "big-endian GGUF files are not supported");
  }
  if (*version != 2 && *version != 3) {
    return Fail("version", 4,
                "GGUF version " + std::to_string(*version) + " is not supported (only 2 and 3)");
  }
  CITADEL_TRY(ReadField("tensor count", tensor_count));
  CITADEL_TRY(ReadField("metadata count", kv_count));
  CITADEL_TRY(CheckCount("tensor count", 8, *tensor_count, kMinTensorInfoBytes, "tensor infos"));
  return CheckCount("metadata count", 16, *kv_count, kMinMetadataEntryBytes, "metadata entries");
}

Status ParseState::CheckCount(std::string_view field, std::uint64_t at, std::uint64_t count,
                              std::uint64_t min_bytes_each, std::string_view what) {
  if (count > reader_.remaining() / min_bytes_each) {
    return Fail(field, at,
                std::to_string(count) + " " + std::string(what) + " cannot fit in the " +
                    std::to_string(reader_.remaining()) + " bytes left in the file");
  }
  return OkStatus();
}

Status ParseState::ReadString(std::string_view field, std::string_view* out) {
  std::uint64_t at = reader_.position();
  std::uint64_t length = 0;
  CITADEL_TRY(ReadField(field, &length));
  std::span<const std::uint8_t> bytes;
  if (!reader_.Take(length, &bytes)) {
    return Fail(field, at,
                "string length " + std::to_string(length) + " exceeds the " +
                    std::to_string(reader_.remaining()) + " bytes left in the file");
  }
  *out = std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  return OkStatus();
}

Status ParseState::SkipValue(ValueType type, int depth, std::string_view field) {
  std::uint64_t at = reader_.position();
  if (type == ValueType::kString) {
    std::string_view ignored;
    return ReadString(field, &ignored);
  }
  if (type == ValueType::kArray) return SkipArray(depth, field);
  if (!reader_.Skip(ValueTypeSize(type))) return Truncated(field, at, ValueTypeSize(type));
  if (type == ValueType::kBool && reader_.Since(at)[0] > 1) {
    return Fail(field, at, "bool value " + std::to_string(reader_.Since(at)[0]) + " is not 0 or 1");
  }
  return OkStatus();
}

Status ParseState::SkipArray(int depth, std::string_view field) {
  std::uint64_t at = reader_.position();
  if (depth >= kMaxArrayNesting) {
    return Fail(field, at, "arrays nested deeper than " + std::to_string(kMaxArrayNesting));
  }
  std::uint32_t elem_id = 0;
  std::uint64_t count = 0;
  CITADEL_TRY(ReadField(field, &elem_id));
  if (elem_id > kMaxValueTypeId) {
    return Fail(field, at, "unknown array element type " + std::to_string(elem_id));
  }
  CITADEL_TRY(ReadField(field, &count));
  auto elem = static_cast<ValueType>(elem_id);
  std::size_t fixed = ValueTypeSize(elem);
  // Strings take at least 8 bytes each, nested arrays at least 12.
  std::uint64_t min_each = fixed != 0 ? fixed : (elem == ValueType::kString ? 8 : 12);
  CITADEL_TRY(CheckCount(field, at + 4, count, min_each, "array elements"));
  if (fixed != 0 && elem != ValueType::kBool) {
    bool ok = reader_.Skip(count * fixed);  // bounded by CheckCount
    (void)ok;
    return OkStatus();
  }
  if (elem == ValueType::kString) return SkipStrings(count, field);
  for (std::uint64_t i = 0; i < count; ++i) CITADEL_TRY(SkipValue(elem, depth + 1, field));
  return OkStatus();
}

// The hot loop of a vocabulary (150k+ tokens): no Status per element.
Status ParseState::SkipStrings(std::uint64_t count, std::string_view field) {
  for (std::uint64_t i = 0; i < count; ++i) {
    std::uint64_t at = reader_.position();
    std::uint64_t length = 0;
    if (!reader_.Read(&length)) return Truncated(field, at, 8);
    if (!reader_.Skip(length)) {
      return Fail(field, at,
                  "string length " + std::to_string(length) + " of element " + std::to_string(i) +
                      " exceeds the " + std::to_string(reader_.remaining()) +
                      " bytes left in the file");
    }
  }
  return OkStatus();
}

Status ParseState::Metadata(std::uint64_t kv_count,
                            std::unordered_map<std::string_view, std::size_t>& key_index) {
  // Counts are bounded by the bytes left (CheckCount); reserving is further
  // capped so a claimed count never sizes memory beyond what actually parses.
  metadata_.reserve(std::min<std::uint64_t>(kv_count, kMaxReserve));
  key_index.reserve(std::min<std::uint64_t>(kv_count, kMaxReserve));
  for (std::uint64_t i = 0; i < kv_count; ++i) {
    std::uint64_t key_at = reader_.position();
    std::string field = "metadata key #" + std::to_string(i);
    std::string_view key;
    CITADEL_TRY(ReadString(field, &key));
    if (key.empty()) return Fail(field, key_at, "empty key");
    field = "metadata key " + Quote(key);
    std::uint64_t type_at = reader_.position();
    std::uint32_t type_id = 0;
    CITADEL_TRY(ReadField(field, &type_id));
    if (type_id > kMaxValueTypeId) {
      return Fail(field, type_at, "unknown value type " + std::to_string(type_id));
    }
    auto type = static_cast<ValueType>(type_id);
    std::uint64_t value_at = reader_.position();
    CITADEL_TRY(SkipValue(type, 0, field));
    auto [it, inserted] = key_index.emplace(key, metadata_.size());
    if (!inserted) return Fail(field, key_at, "duplicate key");
    metadata_.push_back({key, Value::FromValidated(type, reader_.Since(value_at))});
  }
  return OkStatus();
}

Status ParseState::Alignment(const std::unordered_map<std::string_view, std::size_t>& key_index,
                             std::uint64_t* alignment) {
  auto it = key_index.find("general.alignment");
  if (it == key_index.end()) return OkStatus();
  const Value& value = metadata_[it->second].value;
  std::string_view field = "metadata key 'general.alignment'";
  auto at = static_cast<std::uint64_t>(value.payload().data() - reader_.Since(0).data());
  if (value.type() != ValueType::kU32) {
    return Fail(field, at, "must be u32, not " + std::string(ValueTypeName(value.type())));
  }
  std::uint32_t a = *value.AsU32();
  if (a == 0 || (a & (a - 1)) != 0) {
    return Fail(field, at, "alignment " + std::to_string(a) + " is not a power of two");
  }
  *alignment = a;
  return OkStatus();
}

Status ParseState::ReadDims(std::string_view field, TensorInfo* info) {
  std::uint64_t at = reader_.position();
  std::uint32_t n_dims = 0;
  CITADEL_TRY(ReadField(field, &n_dims));
  if (n_dims == 0 || n_dims > kMaxTensorDims) {
    return Fail(field, at,
                "dimension count " + std::to_string(n_dims) + " is not in 1.." +
                    std::to_string(kMaxTensorDims));
  }
  info->dims.reserve(n_dims);
  std::int64_t elements = 1;
  for (std::uint32_t d = 0; d < n_dims; ++d) {
    std::uint64_t dim_at = reader_.position();
    std::uint64_t dim = 0;
    CITADEL_TRY(ReadField(field, &dim));
    if (dim == 0 || dim > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return Fail(field, dim_at,
                  "dimension " + std::to_string(d) + " has invalid size " + std::to_string(dim));
    }
    auto sdim = static_cast<std::int64_t>(dim);
    if (__builtin_mul_overflow(elements, sdim, &elements)) {
      return Fail(field, dim_at, "element count overflows 64 bits");
    }
    info->dims.push_back(sdim);
  }
  info->elements = elements;
  return OkStatus();
}

Status ParseState::TensorInfos(std::uint64_t count, std::uint64_t alignment,
                               std::unordered_map<std::string_view, std::size_t>& tensor_index) {
  CITADEL_TRY(CheckCount("tensor count", 8, count, kMinTensorInfoBytes, "tensor infos"));
  tensors_.reserve(std::min<std::uint64_t>(count, kMaxReserve));
  tensor_index.reserve(std::min<std::uint64_t>(count, kMaxReserve));
  for (std::uint64_t i = 0; i < count; ++i) {
    std::uint64_t name_at = reader_.position();
    std::string field = "tensor #" + std::to_string(i);
    std::string_view name;
    CITADEL_TRY(ReadString(field, &name));
    if (name.empty() || name.size() >= kMaxTensorNameBytes) {
      return Fail(field, name_at,
                  "tensor name length " + std::to_string(name.size()) + " is not in 1.." +
                      std::to_string(kMaxTensorNameBytes - 1));
    }
    field = "tensor " + Quote(name);
    TensorInfo info;
    info.name = std::string(name);
    CITADEL_TRY(ReadDims(field, &info));
    std::uint64_t type_at = reader_.position();
    std::uint32_t type_id = 0;
    CITADEL_TRY(ReadField(field, &type_id));
    std::optional<TensorTypeTraits> traits = LookupTensorType(type_id);
    if (!traits) return Fail(field, type_at, "unknown tensor type " + std::to_string(type_id));
    info.type = static_cast<TensorType>(type_id);
    if (info.dims[0] % traits->block_elements != 0) {
      return Fail(field, type_at,
                  "row length " + std::to_string(info.dims[0]) + " is not a multiple of the " +
                      std::string(traits->name) + " block size " +
                      std::to_string(traits->block_elements));
    }
    std::uint64_t offset_at = reader_.position();
    CITADEL_TRY(ReadField(field, &info.offset));
    if (info.offset % alignment != 0) {
      return Fail(field, offset_at,
                  "data offset " + std::to_string(info.offset) +
                      " is not a multiple of the alignment " + std::to_string(alignment));
    }
    auto [it, inserted] = tensor_index.emplace(name, tensors_.size());
    if (!inserted) return Fail(field, name_at, "duplicate tensor name");
    tensors_.push_back(std::move(info));
  }
  return OkStatus();
}

Status ParseState::TensorData(std::uint64_t alignment, std::uint64_t* data_offset) {
  std::uint64_t end_of_infos = reader_.position();
  std::uint64_t padded =
      (end_of_infos + alignment - 1) / alignment * alignment;  // no overflow: both < 2^63
  *data_offset = padded;
  if (tensors_.empty()) return OkStatus();
  std::uint64_t file_size = reader_.size();
  if (padded > file_size) {
    return Fail("data section", end_of_infos,
                "starts at byte " + std::to_string(padded) + ", past the end of the file (" +
                    std::to_string(file_size) + " bytes)");
  }
  std::uint64_t data_size = file_size - padded;
  for (TensorInfo& t : tensors_) {
    TensorTypeTraits traits = Traits(t.type);
    std::int64_t bytes = 0;
    if (__builtin_mul_overflow(t.elements / traits.block_elements, traits.block_bytes, &bytes)) {
      return Fail("tensor " + Quote(t.name), end_of_infos, "byte size overflows 64 bits");
    }
    auto size = static_cast<std::uint64_t>(bytes);
    if (t.offset > data_size || size > data_size - t.offset) {
      return Fail("tensor " + Quote(t.name), padded + std::min(t.offset, data_size),
                  "data [" + std::to_string(t.offset) + ", +" + std::to_string(size) +
                      ") extends past the end of the data section (" + std::to_string(data_size) +
                      " bytes)");
    }
    t.data = std::span<const std::uint8_t>(reader_.Since(0).data() + padded + t.offset, size);
  }
  return OkStatus();
}

// Sorts by offset and rejects overlapping data ranges.
Status CheckNoOverlap(const std::string& file_name, std::uint64_t data_offset,
                      const std::vector<TensorInfo>& tensors) {
  std::vector<std::size_t> order(tensors.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return tensors[a].offset < tensors[b].offset; });
  for (std::size_t i = 1; i < order.size(); ++i) {
    const TensorInfo& prev = tensors[order[i - 1]];
    const TensorInfo& cur = tensors[order[i]];
    if (prev.offset + prev.data.size() > cur.offset) {
      return InvalidArgumentError(file_name + ": tensor " + Quote(cur.name) + " at byte " +
                                  std::to_string(data_offset + cur.offset) +
                                  ": data overlaps tensor " + Quote(prev.name));
    }
  }
  return OkStatus();
}

}  // namespace

Result<GgufFile> GgufParser::Run(std::span<const std::uint8_t> bytes, std::string name) {
  GgufFile file;
  file.name_ = std::move(name);
  file.bytes_ = bytes;
  ParseState state(bytes, file, file.metadata_, file.tensors_);
  std::uint64_t tensor_count = 0;
  std::uint64_t kv_count = 0;
  CITADEL_TRY(state.Header(&file.version_, &tensor_count, &kv_count));
  CITADEL_TRY(state.Metadata(kv_count, file.key_index_));
  CITADEL_TRY(state.Alignment(file.key_index_, &file.alignment_));
  CITADEL_TRY(state.TensorInfos(tensor_count, file.alignment_, file.tensor_index_));
  CITADEL_TRY(state.TensorData(file.alignment_, &file.data_offset_));
  CITADEL_TRY(CheckNoOverlap(file.name_, file.data_offset_, file.tensors_));
  return file;
}

}  // namespace citadel::gguf
