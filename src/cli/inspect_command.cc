// `citadel inspect MODEL [--json] [--tensors] [--metadata]`: what a GGUF
// file holds — architecture, size, hyper-parameters, tokenizer, tensor type
// mix and a memory estimate; optionally the tensor table and every metadata
// key. The file is fully validated first, so a corrupt file ends in one
// stderr line naming the field and byte offset.
#include <charconv>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cli/command.h"
#include "gguf/gguf_file.h"
#include "gguf/model_summary.h"

namespace citadel::cli {
namespace {

struct InspectOptions {
  std::string model_path;
  bool json = false;
  bool tensors = false;
  bool metadata = false;
};

using nlohmann::json;

json OptionalJson(const std::optional<std::uint64_t>& v) {
  return v ? json(*v) : json(nullptr);
}

std::string HumanBytes(std::uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), unit == 0 ? "%.0f %s" : "%.2f %s", value, kUnits[unit]);
  return buf;
}

std::string HumanCount(std::int64_t n) {
  char buf[32];
  if (n >= 1000000000) {
    std::snprintf(buf, sizeof(buf), "%.2fB", n / 1e9);
  } else if (n >= 1000000) {
    std::snprintf(buf, sizeof(buf), "%.2fM", n / 1e6);
  } else if (n >= 1000) {
    std::snprintf(buf, sizeof(buf), "%.2fK", n / 1e3);
  } else {
    std::snprintf(buf, sizeof(buf), "%" PRId64, n);
  }
  return buf;
}

std::string OrUnknown(const std::optional<std::uint64_t>& v) {
  return v ? std::to_string(*v) : "unknown";
}

// Text from the file, made safe for a terminal (control bytes become '?').
std::string Printable(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return out;
}

std::string OrNone(const std::string& s) {
  return s.empty() ? "(none)" : Printable(s);
}

json ShapeJson(const gguf::TensorInfo& t) {
  return json(t.dims);
}

std::string ShapeText(const gguf::TensorInfo& t) {
  std::string out;
  for (std::size_t i = 0; i < t.dims.size(); ++i) {
    if (i > 0) out += " x ";
    out += std::to_string(t.dims[i]);
  }
  return out;
}

// The double that prints as the shortest decimal reading back as `f`
// (1e-06 rather than 9.999999974752427e-07).
double ShortestDouble(float f) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), f);
  if (ec != std::errc()) return f;
  return std::strtod(std::string(buf, end).c_str(), nullptr);
}

// A metadata value as JSON: scalars and strings in full; arrays of scalars in
// full up to 64 elements, otherwise (and for strings) as a type and count.
json ValueJson(const gguf::Value& v) {
  using gguf::ValueType;
  switch (v.type()) {
    case ValueType::kString:
      return std::string(v.AsString());
    case ValueType::kBool:
      return v.AsBool().ok() && *v.AsBool();
    case ValueType::kF32:
      return ShortestDouble(*v.AsF32());
    case ValueType::kF64:
      return *v.AsF64();
    case ValueType::kArray: {
      json summary = {{"type", "array"},
                      {"element_type", std::string(gguf::ValueTypeName(v.array_type()))},
                      {"count", v.size()}};
      return summary;
    }
    default:
      break;
  }
  if (Result<std::int64_t> i = v.AsI64(); i.ok()) return *i;
  if (Result<std::uint64_t> u = v.AsU64(); u.ok()) return *u;
  return nullptr;
}

json SummaryJson(const gguf::GgufFile& file, const gguf::ModelSummary& s) {
  json types = json::array();
  for (const gguf::TensorTypeUsage& u : s.tensor_types) {
    types.push_back({{"type", std::string(TensorTypeName(u.type))},
                     {"tensors", u.count},
                     {"parameters", u.elements},
                     {"bytes", u.bytes}});
  }
  json kv = OptionalJson(s.kv_cache_bytes_per_1k_tokens);
  return {
      {"file", file.name()},
      {"file_size_bytes", s.file_size_bytes},
      {"gguf_version", s.gguf_version},
      {"alignment", file.alignment()},
      {"architecture", s.architecture},
      {"name", s.name},
      {"parameter_count", s.parameter_count},
      {"file_type", s.file_type ? json(s.file_type_name) : json(nullptr)},
      {"file_type_id", s.file_type ? json(*s.file_type) : json(nullptr)},
      {"tensor_count", file.tensors().size()},
      {"tensor_types", types},
      {"context_length", OptionalJson(s.context_length)},
      {"embedding_length", OptionalJson(s.embedding_length)},
      {"block_count", OptionalJson(s.block_count)},
      {"head_count", OptionalJson(s.head_count)},
      {"head_count_kv", OptionalJson(s.head_count_kv)},
      {"head_dim", OptionalJson(s.key_length)},
      {"vocab_size", OptionalJson(s.vocab_size)},
      {"tokenizer_model", s.tokenizer_model},
      {"tokenizer_pre", s.tokenizer_pre},
      {"has_chat_template", s.has_chat_template},
      {"memory",
       {{"weight_bytes", s.weight_bytes},
        {"kv_cache_bytes_per_1000_tokens", kv},
        {"kv_cache_type", "f16"}}},
  };
}

void PrintJson(const gguf::GgufFile& file, const gguf::ModelSummary& s,
               const InspectOptions& options) {
  json out = SummaryJson(file, s);
  if (options.tensors) {
    json table = json::array();
    for (const gguf::TensorInfo& t : file.tensors()) {
      table.push_back({{"name", t.name},
                       {"type", std::string(TensorTypeName(t.type))},
                       {"shape", ShapeJson(t)},
                       {"bytes", t.data.size()},
                       {"offset", file.data_offset() + t.offset}});
    }
    out["tensors"] = std::move(table);
  }
  if (options.metadata) {
    json md = json::object();
    for (const gguf::MetadataEntry& e : file.metadata())
      md[std::string(e.key)] = ValueJson(e.value);
    out["metadata"] = std::move(md);
  }
  // Metadata strings are not guaranteed UTF-8; replace invalid bytes.
  std::string text = out.dump(2, ' ', false, json::error_handler_t::replace);
  std::printf("%s\n", text.c_str());
}

void PrintMetadataTable(const gguf::GgufFile& file) {
  std::printf("\nmetadata (%zu keys):\n", file.metadata().size());
  for (const gguf::MetadataEntry& e : file.metadata()) {
    std::printf("  %-40s %s\n", Printable(e.key).c_str(), e.value.DebugString().c_str());
  }
}

void PrintTensorTable(const gguf::GgufFile& file) {
  std::printf("\n%-40s %-8s %-24s %12s\n", "tensor", "type", "shape", "bytes");
  for (const gguf::TensorInfo& t : file.tensors()) {
    std::printf("%-40s %-8s %-24s %12zu\n", Printable(t.name).c_str(),
                std::string(TensorTypeName(t.type)).c_str(), ShapeText(t).c_str(), t.data.size());
  }
}

void PrintText(const gguf::GgufFile& file, const gguf::ModelSummary& s,
               const InspectOptions& options) {
  std::printf("file:            %s (%s, GGUF v%u)\n", file.name().c_str(),
              HumanBytes(s.file_size_bytes).c_str(), s.gguf_version);
  std::printf("architecture:    %s\n", OrNone(s.architecture).c_str());
  std::printf("name:            %s\n", OrNone(s.name).c_str());
  std::printf("parameters:      %s (%" PRId64 ")\n", HumanCount(s.parameter_count).c_str(),
              s.parameter_count);
  std::printf("file type:       %s\n",
              s.file_type ? (s.file_type_name + " (" + std::to_string(*s.file_type) + ")").c_str()
                          : "(not set)");
  std::string mix;
  for (const gguf::TensorTypeUsage& u : s.tensor_types) {
    if (!mix.empty()) mix += ", ";
    mix += std::string(TensorTypeName(u.type)) + " x" + std::to_string(u.count) + " (" +
           HumanBytes(u.bytes) + ")";
  }
  std::printf("tensor types:    %s\n", mix.empty() ? "(no tensors)" : mix.c_str());
  std::printf("context length:  %s\n", OrUnknown(s.context_length).c_str());
  std::printf("embedding size:  %s\n", OrUnknown(s.embedding_length).c_str());
  std::printf("layers:          %s\n", OrUnknown(s.block_count).c_str());
  std::printf("heads:           %s\n", OrUnknown(s.head_count).c_str());
  std::printf("kv heads:        %s\n", OrUnknown(s.head_count_kv).c_str());
  std::printf("head dim:        %s\n", OrUnknown(s.key_length).c_str());
  std::printf("vocab size:      %s\n", OrUnknown(s.vocab_size).c_str());
  std::printf("tokenizer:       %s (pre-tokenizer: %s)\n", OrNone(s.tokenizer_model).c_str(),
              OrNone(s.tokenizer_pre).c_str());
  std::printf("chat template:   %s\n", s.has_chat_template ? "yes" : "no");
  std::string kv = s.kv_cache_bytes_per_1k_tokens ? HumanBytes(*s.kv_cache_bytes_per_1k_tokens)
                                                  : std::string("unknown");
  std::printf("memory:          weights %s + KV cache %s per 1,000 tokens (f16)\n",
              HumanBytes(s.weight_bytes).c_str(), kv.c_str());
  if (options.metadata) PrintMetadataTable(file);
  if (options.tensors) PrintTensorTable(file);
}

Status RunInspect(const InspectOptions& options) {
  CITADEL_ASSIGN_OR_RETURN(gguf::GgufFile file, gguf::GgufFile::Open(options.model_path));
  gguf::ModelSummary summary = gguf::SummarizeModel(file);
  if (options.json) {
    PrintJson(file, summary, options);
  } else {
    PrintText(file, summary, options);
  }
  std::fflush(stdout);
  return OkStatus();
}

}  // namespace

void RegisterInspectCommand(CLI::App& app, CommandResult& result) {
  auto options = std::make_shared<InspectOptions>();
  CLI::App* cmd = app.add_subcommand("inspect", "Show what a GGUF model file holds");
  cmd->add_option("model", options->model_path, "Path to a .gguf file")->required();
  cmd->add_flag("--json", options->json, "Print one JSON object");
  cmd->add_flag("--tensors", options->tensors, "Add the tensor table (name, type, shape, bytes)");
  cmd->add_flag("--metadata", options->metadata, "Add every metadata key and value");
  cmd->callback([options, &result] { result.status = RunInspect(*options); });
}

}  // namespace citadel::cli
