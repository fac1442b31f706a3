// libFuzzer target for the GGUF reader. Any input must either parse or fail
// with a message; a file that parses must survive every accessor, the model
// summary, and a copy through the writer that parses back to the same values
// and tensor bytes.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>

#include "gguf/gguf_file.h"
#include "gguf/gguf_writer.h"
#include "gguf/model_summary.h"

namespace {

using citadel::gguf::GgufFile;
using citadel::gguf::GgufWriter;
using citadel::gguf::MetadataEntry;
using citadel::gguf::TensorInfo;
using citadel::gguf::Value;

constexpr std::size_t kThoroughBytes = 64 * 1024;

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

bool SameBytes(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
}

// Calls every getter on `value` and on a few array elements (one level down;
// all of them would make each run of a 32,000-token vocabulary slow).
std::size_t Touch(const Value& value, int depth) {
  std::size_t sum = value.DebugString().size() + value.AsString().size();
  sum += value.AsU32().ok() + value.AsI32().ok() + value.AsU64().ok() + value.AsI64().ok();
  sum += value.AsF32().ok() + value.AsF64().ok() + value.AsBool().ok();
  if (value.is_array() && depth < 2) {
    if (value.size() <= 4096) {
      std::vector<Value> elements = value.Elements();
      Check(elements.size() == value.size());
      for (std::size_t i = 0; i < elements.size() && i < 8; ++i)
        sum += Touch(elements[i], depth + 1);
    }
    if (value.size() > 0) sum += Touch(value.At(value.size() - 1), depth + 1);
    sum += value.element_bytes().size();
  }
  return sum;
}

void RoundTrip(const GgufFile& file) {
  GgufWriter writer;
  writer.SetAlignment(file.alignment());
  for (const MetadataEntry& e : file.metadata()) writer.SetValue(std::string(e.key), e.value);
  for (const TensorInfo& t : file.tensors())
    Check(writer.AddTensor(t.name, t.type, t.dims, t.data).ok());
  citadel::Result<std::vector<std::uint8_t>> bytes = writer.Serialize();
  Check(bytes.ok());
  citadel::Result<GgufFile> again = GgufFile::Parse(*bytes, "round trip");
  Check(again.ok());
  Check(again->alignment() == file.alignment());
  Check(again->tensors().size() == file.tensors().size());
  for (const MetadataEntry& e : file.metadata()) {
    const Value* copy = again->Find(e.key);
    Check(copy != nullptr && copy->type() == e.value.type());
    Check(SameBytes(copy->payload(), e.value.payload()));
  }
  for (std::size_t i = 0; i < file.tensors().size(); ++i) {
    const TensorInfo& a = file.tensors()[i];
    const TensorInfo& b = again->tensors()[i];
    Check(a.name == b.name && a.type == b.type && a.dims == b.dims);
    Check(SameBytes(a.data, b.data));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  citadel::Result<GgufFile> file =
      GgufFile::Parse(std::span<const std::uint8_t>(data, size), "fuzz");
  if (!file.ok()) {
    Check(!file.status().message().empty());
    return 0;
  }
  // Whole-array conversions and the writer round trip cost time linear in the
  // input; keep them to small inputs so large seeds (real vocabularies) still
  // run many times a second.
  const bool thorough = size <= kThoroughBytes;
  std::size_t sum = 0;
  for (const MetadataEntry& e : file->metadata()) {
    Check(file->Find(e.key) == &e.value);
    sum += Touch(e.value, 0);
    sum += file->GetString(e.key).ok();
    if (thorough) {
      sum += file->GetStringArray(e.key).ok() + file->GetF32Array(e.key).ok();
      sum += file->GetI32Array(e.key).ok();
    }
  }
  for (const TensorInfo& t : file->tensors()) {
    Check(file->FindTensor(t.name) == &t);
    if (!t.data.empty()) sum += t.data.front() + t.data.back();
    sum += static_cast<std::size_t>(t.rows());
  }
  citadel::gguf::ModelSummary summary = citadel::gguf::SummarizeModel(*file);
  sum += summary.tensor_types.size();
  if (thorough) RoundTrip(*file);
  volatile std::size_t sink = sum;
  (void)sink;
  return 0;
}
