#include "gguf/gguf_writer.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <utility>

namespace citadel::gguf {
namespace {

constexpr std::uint32_t kWriteVersion = 3;

template <typename T>
void Append(std::vector<std::uint8_t>& out, T v) {
  std::uint8_t bytes[sizeof(T)];
  std::memcpy(bytes, &v, sizeof(T));
  out.insert(out.end(), bytes, bytes + sizeof(T));
}

void AppendString(std::vector<std::uint8_t>& out, std::string_view s) {
  Append<std::uint64_t>(out, s.size());
  out.insert(out.end(), s.begin(), s.end());
}

template <typename T>
std::vector<std::uint8_t> Encode(T v) {
  std::vector<std::uint8_t> out;
  Append(out, v);
  return out;
}

template <typename T>
std::vector<std::uint8_t> EncodeArray(ValueType elem, const std::vector<T>& values) {
  std::vector<std::uint8_t> out;
  out.reserve(12 + values.size() * sizeof(T));
  Append<std::uint32_t>(out, static_cast<std::uint32_t>(elem));
  Append<std::uint64_t>(out, values.size());
  for (T v : values) Append(out, v);
  return out;
}

void PadTo(std::vector<std::uint8_t>& out, std::uint64_t alignment) {
  out.resize((out.size() + alignment - 1) / alignment * alignment, 0);
}

}  // namespace

void GgufWriter::Set(std::string key, ValueType type, std::vector<std::uint8_t> payload) {
  for (Entry& e : entries_) {
    if (e.key == key) {
      e.type = type;
      e.payload = std::move(payload);
      return;
    }
  }
  entries_.push_back({std::move(key), type, std::move(payload)});
}

void GgufWriter::SetU8(std::string key, std::uint8_t v) {
  Set(std::move(key), ValueType::kU8, Encode(v));
}
void GgufWriter::SetI8(std::string key, std::int8_t v) {
  Set(std::move(key), ValueType::kI8, Encode(v));
}
void GgufWriter::SetU16(std::string key, std::uint16_t v) {
  Set(std::move(key), ValueType::kU16, Encode(v));
}
void GgufWriter::SetI16(std::string key, std::int16_t v) {
  Set(std::move(key), ValueType::kI16, Encode(v));
}
void GgufWriter::SetU32(std::string key, std::uint32_t v) {
  Set(std::move(key), ValueType::kU32, Encode(v));
}
void GgufWriter::SetI32(std::string key, std::int32_t v) {
  Set(std::move(key), ValueType::kI32, Encode(v));
}
void GgufWriter::SetU64(std::string key, std::uint64_t v) {
  Set(std::move(key), ValueType::kU64, Encode(v));
}
void GgufWriter::SetI64(std::string key, std::int64_t v) {
  Set(std::move(key), ValueType::kI64, Encode(v));
}
void GgufWriter::SetF32(std::string key, float v) {
  Set(std::move(key), ValueType::kF32, Encode(v));
}
void GgufWriter::SetF64(std::string key, double v) {
  Set(std::move(key), ValueType::kF64, Encode(v));
}
void GgufWriter::SetBool(std::string key, bool v) {
  Set(std::move(key), ValueType::kBool, Encode<std::uint8_t>(v ? 1 : 0));
}

void GgufWriter::SetString(std::string key, std::string_view v) {
  std::vector<std::uint8_t> payload;
  AppendString(payload, v);
  Set(std::move(key), ValueType::kString, std::move(payload));
}

void GgufWriter::SetStringArray(std::string key, const std::vector<std::string>& v) {
  std::vector<std::uint8_t> payload;
  Append<std::uint32_t>(payload, static_cast<std::uint32_t>(ValueType::kString));
  Append<std::uint64_t>(payload, v.size());
  for (const std::string& s : v) AppendString(payload, s);
  Set(std::move(key), ValueType::kArray, std::move(payload));
}

void GgufWriter::SetF32Array(std::string key, const std::vector<float>& v) {
  Set(std::move(key), ValueType::kArray, EncodeArray(ValueType::kF32, v));
}

void GgufWriter::SetI32Array(std::string key, const std::vector<std::int32_t>& v) {
  Set(std::move(key), ValueType::kArray, EncodeArray(ValueType::kI32, v));
}

void GgufWriter::SetValue(std::string key, const Value& value) {
  std::span<const std::uint8_t> payload = value.payload();
  Set(std::move(key), value.type(), std::vector<std::uint8_t>(payload.begin(), payload.end()));
}

bool GgufWriter::Remove(std::string_view key) {
  auto it =
      std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.key == key; });
  if (it == entries_.end()) return false;
  entries_.erase(it);
  return true;
}

Status GgufWriter::AddTensor(std::string name, TensorType type, std::vector<std::int64_t> dims,
                             std::span<const std::uint8_t> data) {
  std::optional<TensorTypeTraits> traits = LookupTensorType(static_cast<std::uint32_t>(type));
  if (!traits) return InvalidArgumentError("tensor '" + name + "': invalid tensor type");
  if (name.empty() || name.size() >= kMaxTensorNameBytes) {
    return InvalidArgumentError("tensor '" + name + "': name must be 1.." +
                                std::to_string(kMaxTensorNameBytes - 1) + " bytes");
  }
  if (dims.empty() || dims.size() > kMaxTensorDims) {
    return InvalidArgumentError("tensor '" + name + "': " + std::to_string(dims.size()) +
                                " dimensions (1.." + std::to_string(kMaxTensorDims) + " allowed)");
  }
  std::int64_t elements = 1;
  for (std::int64_t d : dims) {
    if (d <= 0 || __builtin_mul_overflow(elements, d, &elements)) {
      return InvalidArgumentError("tensor '" + name + "': invalid dimension " + std::to_string(d));
    }
  }
  if (dims[0] % traits->block_elements != 0) {
    return InvalidArgumentError("tensor '" + name + "': row length " + std::to_string(dims[0]) +
                                " is not a multiple of the " + std::string(traits->name) +
                                " block size " + std::to_string(traits->block_elements));
  }
  std::int64_t bytes = 0;
  if (__builtin_mul_overflow(elements / traits->block_elements, traits->block_bytes, &bytes) ||
      static_cast<std::uint64_t>(bytes) != data.size()) {
    return InvalidArgumentError("tensor '" + name + "': " + std::to_string(data.size()) +
                                " data bytes, but its type and shape need " +
                                std::to_string(bytes));
  }
  for (const Tensor& t : tensors_) {
    if (t.name == name) return AlreadyExistsError("tensor '" + name + "' was already added");
  }
  tensors_.push_back({std::move(name), type, std::move(dims),
                      std::vector<std::uint8_t>(data.begin(), data.end())});
  return OkStatus();
}

void GgufWriter::SetAlignment(std::uint64_t alignment) {
  alignment_ = alignment;
}

Result<std::vector<std::uint8_t>> GgufWriter::Serialize() const {
  if (alignment_ == 0 || (alignment_ & (alignment_ - 1)) != 0 ||
      alignment_ > std::numeric_limits<std::uint32_t>::max()) {
    return InvalidArgumentError("GGUF alignment " + std::to_string(alignment_) +
                                " is not a power of two that fits u32");
  }
  // general.alignment always carries the alignment the data is laid out with.
  GgufWriter copy_for_alignment;
  const std::vector<Entry>* entries = &entries_;
  bool has_key = std::any_of(entries_.begin(), entries_.end(),
                             [](const Entry& e) { return e.key == "general.alignment"; });
  if (has_key || alignment_ != kDefaultAlignment) {
    copy_for_alignment.entries_ = entries_;
    copy_for_alignment.SetU32("general.alignment", static_cast<std::uint32_t>(alignment_));
    entries = &copy_for_alignment.entries_;
  }

  std::vector<std::uint8_t> out;
  Append<std::uint32_t>(out, 0x46554747);  // "GGUF"
  Append<std::uint32_t>(out, kWriteVersion);
  Append<std::uint64_t>(out, tensors_.size());
  Append<std::uint64_t>(out, entries->size());
  for (const Entry& e : *entries) {
    AppendString(out, e.key);
    Append<std::uint32_t>(out, static_cast<std::uint32_t>(e.type));
    out.insert(out.end(), e.payload.begin(), e.payload.end());
  }
  std::uint64_t offset = 0;
  for (const Tensor& t : tensors_) {
    AppendString(out, t.name);
    Append<std::uint32_t>(out, static_cast<std::uint32_t>(t.dims.size()));
    for (std::int64_t d : t.dims) Append<std::uint64_t>(out, static_cast<std::uint64_t>(d));
    Append<std::uint32_t>(out, static_cast<std::uint32_t>(t.type));
    Append<std::uint64_t>(out, offset);
    offset += (t.data.size() + alignment_ - 1) / alignment_ * alignment_;
  }
  if (!tensors_.empty()) PadTo(out, alignment_);
  for (const Tensor& t : tensors_) {
    out.insert(out.end(), t.data.begin(), t.data.end());
    PadTo(out, alignment_);
  }
  // Never hand out a file the reader would refuse (an empty key, a copied
  // placeholder Value): check the result with the validating parser.
  Result<GgufFile> check = GgufFile::Parse(out, "serialized GGUF");
  if (!check.ok()) {
    return InvalidArgumentError("GgufWriter produced an invalid file: " + check.status().message());
  }
  return out;
}

Status GgufWriter::WriteFile(const std::string& path) const {
  CITADEL_ASSIGN_OR_RETURN(std::vector<std::uint8_t> bytes, Serialize());
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) {
    return InvalidArgumentError("cannot write '" + path + "': " + std::strerror(errno));
  }
  bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) return DataLossError("cannot write '" + path + "': " + std::strerror(errno));
  return OkStatus();
}

}  // namespace citadel::gguf
