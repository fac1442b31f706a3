// `citadel pii scan [--json] [--custom NAME=REGEX]... (TEXT | --file F [--field NAME])`:
// finds personal data (security/pii_scanner.h).
//
// TEXT, or a plain-text --file, is scanned line by line: --json prints one
// {"spans":[{"start","end","type"}]} object per line (offsets in code points
// within the line, end exclusive); without --json one "LINE:START-END TYPE"
// row per span. --field scans a JSONL dataset instead (fine-tuning or
// knowledge-base data): the field of every record is a string or an
// OpenAI-style messages array (each message's string content, or the text of
// its content parts), and a summary per type is printed. Values are never
// printed, only where they are.
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli/command.h"
#include "security/pii_scanner.h"

namespace citadel::cli {
namespace {

struct PiiScanOptions {
  std::string text;
  std::string file;
  std::string field;
  std::vector<std::string> custom;  // NAME=REGEX
  bool json = false;
  bool have_text = false;
};

Result<security::PiiScanner> BuildScanner(const PiiScanOptions& options) {
  security::PiiScannerConfig config;
  for (const std::string& entry : options.custom) {
    const std::size_t eq = entry.find('=');
    if (eq == std::string::npos || eq == 0) {
      return InvalidArgumentError("--custom '" + entry + "' is not NAME=REGEX");
    }
    config.custom.push_back({entry.substr(0, eq), entry.substr(eq + 1)});
  }
  return security::PiiScanner::Create(config);
}

void PrintLine(const security::PiiScanner& scanner, std::string_view line, std::size_t line_no,
               bool json) {
  const auto spans = security::ToCodePointSpans(line, scanner.Scan(line));
  if (json) {
    nlohmann::ordered_json out = {{"spans", nlohmann::ordered_json::array()}};
    for (const security::PiiSpan& span : spans) {
      out["spans"].push_back(
          {{"start", span.start}, {"end", span.end}, {"type", scanner.TypeName(span)}});
    }
    std::printf("%s\n", out.dump().c_str());
    return;
  }
  for (const security::PiiSpan& span : spans) {
    const std::string type(scanner.TypeName(span));
    std::printf("%zu:%zu-%zu %s\n", line_no, span.start, span.end, type.c_str());
  }
}

// The texts of a record's field: a string, or the contents of messages.
void CollectTexts(const nlohmann::json& value, std::vector<std::string>& texts) {
  if (value.is_string()) {
    texts.push_back(value.get<std::string>());
  } else if (value.is_array()) {
    for (const nlohmann::json& item : value) CollectTexts(item, texts);
  } else if (value.is_object()) {
    for (const char* key : {"content", "text"}) {
      if (auto it = value.find(key); it != value.end()) CollectTexts(*it, texts);
    }
  }
}

struct Summary {
  std::size_t records = 0;
  std::size_t records_with_pii = 0;
  std::map<std::string, std::size_t> counts;  // type -> values found
};

void PrintSummary(const security::PiiScanner& scanner, const Summary& summary, bool json) {
  if (json) {
    nlohmann::ordered_json types = nlohmann::ordered_json::object();
    for (const std::string& name : scanner.TypeNames()) {
      auto it = summary.counts.find(name);
      types[name] = it == summary.counts.end() ? 0 : it->second;
    }
    nlohmann::ordered_json out = {{"records", summary.records},
                                  {"records_with_pii", summary.records_with_pii},
                                  {"types", types}};
    std::printf("%s\n", out.dump().c_str());
    return;
  }
  std::printf("records: %zu, with PII: %zu\n", summary.records, summary.records_with_pii);
  for (const std::string& name : scanner.TypeNames()) {
    auto it = summary.counts.find(name);
    std::printf("%-12s %zu\n", name.c_str(), it == summary.counts.end() ? 0 : it->second);
  }
}

Status ScanDataset(const security::PiiScanner& scanner, std::istream& in,
                   const PiiScanOptions& options) {
  Summary summary;
  std::string line;
  std::size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const nlohmann::json record = nlohmann::json::parse(line, nullptr, false);
    if (record.is_discarded() || !record.is_object()) {
      return InvalidArgumentError(options.file + ":" + std::to_string(line_no) +
                                  ": not a JSON object");
    }
    ++summary.records;
    std::vector<std::string> texts;
    if (auto it = record.find(options.field); it != record.end()) CollectTexts(*it, texts);
    bool found = false;
    for (const std::string& text : texts) {
      for (const security::PiiSpan& span : scanner.Scan(text)) {
        ++summary.counts[std::string(scanner.TypeName(span))];
        found = true;
      }
    }
    summary.records_with_pii += found;
  }
  if (in.bad()) return DataLossError("cannot read '" + options.file + "'");
  PrintSummary(scanner, summary, options.json);
  return OkStatus();
}

Status RunPiiScan(const PiiScanOptions& options) {
  if (options.have_text == !options.file.empty()) {
    return InvalidArgumentError("give either TEXT or --file F");
  }
  if (!options.field.empty() && options.file.empty()) {
    return InvalidArgumentError("--field needs --file (a JSONL dataset)");
  }
  CITADEL_ASSIGN_OR_RETURN(security::PiiScanner scanner, BuildScanner(options));
  std::ifstream file;
  std::istringstream text(options.text);
  std::istream* in = &text;
  if (!options.file.empty()) {
    file.open(options.file, std::ios::binary);
    if (!file) return NotFoundError("cannot open '" + options.file + "'");
    in = &file;
  }
  if (!options.field.empty()) return ScanDataset(scanner, *in, options);
  std::string line;
  std::size_t line_no = 0;
  while (std::getline(*in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    PrintLine(scanner, line, ++line_no, options.json);
  }
  if (in->bad()) return DataLossError("cannot read '" + options.file + "'");
  return OkStatus();
}

}  // namespace

void RegisterPiiCommand(CLI::App& app, CommandResult& result) {
  auto options = std::make_shared<PiiScanOptions>();
  CLI::App* cmd = app.add_subcommand("pii", "Find personal data in text or datasets");
  cmd->require_subcommand(1);
  CLI::App* scan = cmd->add_subcommand("scan", "Print where personal data is (never the values)");
  CLI::Option* text = scan->add_option("text", options->text, "Text to scan");
  scan->add_option("-f,--file", options->file,
                   "Scan this file (plain text, or JSONL with --field)");
  scan->add_option("--field", options->field,
                   "JSONL field to scan: a string or an OpenAI messages array");
  scan->add_option("--custom", options->custom, "Extra pattern NAME=REGEX (PCRE2), repeatable")
      ->allow_extra_args(false);
  scan->add_flag("--json", options->json, "One JSON object per line (or a JSON summary)");
  scan->callback([options, text, &result] {
    options->have_text = text->count() > 0;
    result.status = RunPiiScan(*options);
  });
}

}  // namespace citadel::cli
