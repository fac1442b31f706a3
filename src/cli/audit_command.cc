// `citadel audit verify [--from T] [--to T] [--archive FILE] [--json]`: exits 0
//   when the chain is intact; otherwise names the first bad record and exits 1.
// `citadel audit export --from T --to T [--user U] [--key ID]
//   --format jsonl|csv [--output FILE]`: the records, one per line (audited).
// `citadel audit tail [-n N] [--follow] [--json]`: the newest records.
// `citadel audit purge [--allow-short-retention]`: applies audit.retention_days
//   now (archiving to audit.archive_dir), as the server does daily (audited).
// T is Unix milliseconds, YYYY-MM-DD (UTC; as --to, the end of that day) or
// YYYY-MM-DDTHH:MM:SS[.mmm]Z. All take --data-dir, --config and --set.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "cli/command.h"
#include "cli/store_access.h"
#include "security/audit_archive.h"
#include "security/audit_record.h"
#include "security/audit_verifier.h"
#include "server/audit_setup.h"
#include "util/clock.h"

namespace citadel::cli {
using server::AuditConfig;
using server::AuditConfigFrom;
using server::LoadAuditKey;
namespace {

constexpr std::int64_t kMillisPerDay = 86'400'000;
constexpr std::int64_t kPageRecords = 4096;

struct AuditOptions {
  StoreFlags store;
  std::string from, to, archive, user, format = "jsonl", output;
  std::optional<std::int64_t> key_id;
  std::int64_t count = 20;
  bool follow = false;
  bool allow_short_retention = false;
};

// Unix ms from T (see the top of the file); `end_of_day` for a bare date as --to.
Result<std::int64_t> ParseTime(const std::string& text, bool end_of_day) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) {
    return static_cast<std::int64_t>(std::stoll(text));
  }
  std::tm tm{};
  int millis = 0;
  char tail = 0;
  const int date =
      std::sscanf(text.c_str(), "%4d-%2d-%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tail);
  const bool bare_date = date == 3 && text.size() == 10;
  if (!bare_date) {
    const int full = std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon,
                                 &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec);
    const bool zulu = !text.empty() && text.back() == 'Z';
    const size_t dot = text.find('.');
    if (dot != std::string::npos) millis = std::atoi(text.c_str() + dot + 1);
    if (full != 6 || !zulu || text.size() < 20 || millis < 0 || millis > 999) {
      return InvalidArgumentError("time '" + text +
                                  "' is not Unix ms, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS[.mmm]Z");
    }
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  const std::int64_t seconds = timegm(&tm);
  const std::int64_t ms = seconds * 1000 + millis;
  return bare_date && end_of_day ? ms + kMillisPerDay - 1 : ms;
}

std::string IsoTime(std::int64_t ms) {
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", text, static_cast<int>(ms % 1000));
  return out;
}

nlohmann::ordered_json RecordJson(const security::AuditRecord& r) {
  nlohmann::ordered_json findings = nlohmann::ordered_json::object();
  for (const auto& finding : r.findings) findings[finding.type] = finding.count;
  return {{"seq", r.seq},
          {"time", IsoTime(r.time_ms)},
          {"time_ms", r.time_ms},
          {"kind", security::AuditKindName(r.kind)},
          {"request_id", r.request_id},
          {"key_id", r.key_id ? nlohmann::ordered_json(*r.key_id) : nullptr},
          {"key_prefix", r.key_prefix},
          {"user", r.user},
          {"client_ip", r.client_ip},
          {"forwarded_ip", r.forwarded_ip},
          {"method", r.method},
          {"route", r.route},
          {"model", r.model},
          {"status", r.status},
          {"reason", r.reason},
          {"finish_reason", r.finish_reason},
          {"prompt_tokens", r.prompt_tokens},
          {"completion_tokens", r.completion_tokens},
          {"cached_tokens", r.cached_tokens},
          {"latency_us", r.latency_us},
          {"rate_limit", r.rate_limit},
          {"findings", findings},
          {"action", r.action},
          {"target", r.target},
          {"capture", r.capture},
          {"prompt", r.prompt},
          {"completion", r.completion},
          {"prev", r.prev}};
}

std::string CsvField(const nlohmann::ordered_json& value) {
  std::string text = value.is_string() ? value.get<std::string>()
                     : value.is_null()
                         ? ""
                         : value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  // Formula characters first would run in a spreadsheet (CSV injection).
  if (!text.empty() && std::string_view("=+-@\t\r").find(text[0]) != std::string_view::npos &&
      !value.is_number()) {
    text.insert(0, "'");
  }
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string CsvLine(const nlohmann::ordered_json& record, bool header) {
  std::string line;
  for (const auto& [field, value] : record.items()) {
    if (!line.empty()) line += ',';
    line += header ? field : CsvField(value);
  }
  return line + "\n";
}

std::string JsonLine(const nlohmann::ordered_json& record) {
  return record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string Actor() {
  const char* user = std::getenv("USER");
  return std::string("cli:") + (user != nullptr ? user : "unknown");
}

// Appends one admin record (an export or a purge by hand) to the chain.
Status RecordAdminAction(store::Store& store, const AuditConfig& config, std::string action,
                         std::string target) {
  CITADEL_ASSIGN_OR_RETURN(auto signer, LoadAuditKey(config, true));
  SystemClock clock;
  security::AuditChain chain(store, *signer, clock, config.chain);
  security::AuditRecord record;
  record.time_ms = clock.UnixMillis();
  record.kind = security::AuditKind::kAdmin;
  record.user = Actor();
  record.action = std::move(action);
  record.target = std::move(target);
  record.status = 200;
  return chain.Append({&record, 1}).status();
}

Status PrintVerdict(const security::AuditVerdict& v, bool json) {
  const std::string checked =
      v.signatures_checked ? "signatures checked" : "signatures NOT checked (no audit key)";
  if (json) {
    nlohmann::ordered_json out = {
        {"intact", v.intact()},
        {"defect", security::AuditDefectName(v.defect)},
        {"seq", v.intact() ? nlohmann::ordered_json() : nlohmann::ordered_json(v.seq)},
        {"detail", v.detail},
        {"records", v.records},
        {"checkpoints", v.checkpoints},
        {"first_seq", v.first_seq},
        {"last_seq", v.last_seq},
        {"signatures_checked", v.signatures_checked}};
    std::printf("%s\n", out.dump(2).c_str());
  } else if (v.intact()) {
    std::printf("audit log intact: %lld records (seq %lld..%lld), %lld checkpoints, %s\n",
                static_cast<long long>(v.records), static_cast<long long>(v.first_seq),
                static_cast<long long>(v.last_seq), static_cast<long long>(v.checkpoints),
                checked.c_str());
  }
  if (v.intact()) return OkStatus();
  return DataLossError("audit log NOT intact: record " + std::to_string(v.seq) + " " +
                       std::string(security::AuditDefectName(v.defect)) + ": " + v.detail);
}

Status RunVerify(const AuditOptions& o) {
  CITADEL_ASSIGN_OR_RETURN(const server::Settings settings, SettingsFromFlags(o.store));
  CITADEL_ASSIGN_OR_RETURN(const AuditConfig config, AuditConfigFrom(settings));
  CITADEL_ASSIGN_OR_RETURN(auto signer, LoadAuditKey(config, false));
  if (!o.archive.empty()) {
    CITADEL_ASSIGN_OR_RETURN(const auto verdict,
                             security::VerifyAuditArchive(o.archive, signer.get()));
    return PrintVerdict(verdict, o.store.json);
  }
  security::AuditVerifyOptions options;
  options.signer = signer.get();
  if (!o.from.empty()) {
    CITADEL_ASSIGN_OR_RETURN(options.from_time_ms, ParseTime(o.from, false));
  }
  if (!o.to.empty()) {
    CITADEL_ASSIGN_OR_RETURN(options.to_time_ms, ParseTime(o.to, true));
  }
  CITADEL_ASSIGN_OR_RETURN(auto store, OpenStoreFromFlags(o.store));
  CITADEL_ASSIGN_OR_RETURN(const auto verdict, security::VerifyAuditLog(*store, options));
  return PrintVerdict(verdict, o.store.json);
}

// Calls `each` for every record the query selects, a page at a time.
Status ForEachRecord(store::Store& store, store::AuditQuery query,
                     const std::function<Status(const security::AuditRecord&)>& each) {
  query.limit = kPageRecords;
  for (;;) {
    CITADEL_ASSIGN_OR_RETURN(auto rows, store.ReadAudit(query));
    for (const store::AuditRow& row : rows) {
      auto record = security::ParseAuditRecord(row.body);
      if (!record.ok()) {
        return DataLossError("audit record " + std::to_string(row.seq) +
                             " is unreadable; run `citadel audit verify`");
      }
      CITADEL_TRY(each(*record));
    }
    if (static_cast<std::int64_t>(rows.size()) < kPageRecords) return OkStatus();
    query.from_seq = rows.back().seq + 1;
  }
}

Status RunExport(const AuditOptions& o) {
  if (o.format != "jsonl" && o.format != "csv") {
    return InvalidArgumentError("--format '" + o.format + "' is not jsonl or csv");
  }
  CITADEL_ASSIGN_OR_RETURN(const server::Settings settings, SettingsFromFlags(o.store));
  CITADEL_ASSIGN_OR_RETURN(const AuditConfig config, AuditConfigFrom(settings));
  store::AuditQuery query;
  CITADEL_ASSIGN_OR_RETURN(query.from_time_ms, ParseTime(o.from, false));
  CITADEL_ASSIGN_OR_RETURN(query.to_time_ms, ParseTime(o.to, true));
  if (!o.user.empty()) query.user_name = o.user;
  query.key_id = o.key_id;
  CITADEL_ASSIGN_OR_RETURN(auto store, OpenStoreFromFlags(o.store));
  std::ofstream file;
  if (!o.output.empty()) {
    file.open(o.output, std::ios::binary | std::ios::trunc);
    if (!file) return UnavailableError("cannot write " + o.output);
  }
  std::ostream& out = o.output.empty() ? std::cout : file;
  std::int64_t count = 0;
  CITADEL_TRY(ForEachRecord(*store, query, [&](const security::AuditRecord& record) -> Status {
    const nlohmann::ordered_json json = RecordJson(record);
    if (o.format == "csv" && count == 0) out << CsvLine(json, true);
    out << (o.format == "csv" ? CsvLine(json, false) : JsonLine(json));
    ++count;
    return out ? OkStatus() : UnavailableError("writing the export failed");
  }));
  out.flush();
  std::fprintf(stderr, "citadel: exported %lld audit records\n", static_cast<long long>(count));
  return RecordAdminAction(*store, config, "audit.export",
                           "from " + o.from + " to " + o.to +
                               (o.user.empty() ? "" : " user " + o.user) +
                               (o.key_id ? " key " + std::to_string(*o.key_id) : "") + " as " +
                               o.format + ": " + std::to_string(count) + " records");
}

void PrintTailLine(const security::AuditRecord& r, bool json) {
  if (json) {
    std::printf("%s", JsonLine(RecordJson(r)).c_str());
  } else {
    const std::string what = r.kind == security::AuditKind::kAdmin ? r.action + " " + r.target
                                                                   : r.method + " " + r.route;
    std::printf("%-8lld %s %-5s %-12s %-15s %3lld %-16s %s\n", static_cast<long long>(r.seq),
                IsoTime(r.time_ms).c_str(), std::string(security::AuditKindName(r.kind)).c_str(),
                r.user.empty() ? "-" : r.user.c_str(),
                r.client_ip.empty() ? "-" : r.client_ip.c_str(), static_cast<long long>(r.status),
                r.reason.empty() ? "-" : r.reason.c_str(), what.c_str());
  }
  std::fflush(stdout);
}

Status RunTail(const AuditOptions& o) {
  CITADEL_ASSIGN_OR_RETURN(auto store, OpenStoreFromFlags(o.store));
  store::AuditQuery newest;
  newest.newest_first = true;
  newest.limit = std::max<std::int64_t>(o.count, 1);
  CITADEL_ASSIGN_OR_RETURN(auto rows, store->ReadAudit(newest));
  std::int64_t last_seq = rows.empty() ? 0 : rows.front().seq;
  store::AuditQuery from;
  from.from_seq = rows.empty() ? 1 : rows.back().seq;
  for (;;) {
    CITADEL_TRY(ForEachRecord(*store, from, [&](const security::AuditRecord& record) {
      PrintTailLine(record, o.store.json);
      last_seq = std::max(last_seq, record.seq);
      return OkStatus();
    }));
    if (!o.follow) return OkStatus();
    // A terminal follower: polling the store twice a second is what `tail -f` does.
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    from.from_seq = last_seq + 1;
  }
}

Status RunPurge(const AuditOptions& o) {
  CITADEL_ASSIGN_OR_RETURN(server::Settings settings, SettingsFromFlags(o.store));
  if (o.allow_short_retention) {
    CITADEL_TRY(settings.Set("audit.allow_short_retention", "true",
                             server::SettingSource::kCommandLine, "--allow-short-retention"));
  }
  CITADEL_ASSIGN_OR_RETURN(const AuditConfig config, AuditConfigFrom(settings));
  if (config.retention.retention_days < security::kMinAuditRetentionDays) {
    std::fprintf(stderr, "citadel: audit: WARNING: retention of %lld days is below 180 (allowed)\n",
                 static_cast<long long>(config.retention.retention_days));
  }
  CITADEL_ASSIGN_OR_RETURN(auto store, OpenStoreFromFlags(o.store));
  CITADEL_ASSIGN_OR_RETURN(auto signer, LoadAuditKey(config, true));
  SystemClock clock;
  security::AuditChain chain(*store, *signer, clock, config.chain);
  CITADEL_ASSIGN_OR_RETURN(const auto purged,
                           security::PurgeAudit(*store, chain, config.retention, Actor()));
  std::printf("purged %lld audit records (seq %lld..%lld)%s%s\n",
              static_cast<long long>(purged.purged), static_cast<long long>(purged.first_seq),
              static_cast<long long>(purged.through_seq),
              purged.archive_path.empty() ? "" : "; archive ", purged.archive_path.c_str());
  return OkStatus();
}

}  // namespace

void RegisterAuditCommand(CLI::App& app, CommandResult& result) {
  auto options = std::make_shared<AuditOptions>();
  CLI::App* audit = app.add_subcommand("audit", "verify, export and inspect the audit trail");
  audit->require_subcommand(1);

  CLI::App* verify = audit->add_subcommand("verify", "check the hash chain and checkpoints");
  AddStoreFlags(verify, options->store);
  verify->add_option("--from", options->from, "first record time (Unix ms or ISO 8601 UTC)");
  verify->add_option("--to", options->to, "last record time");
  verify->add_option("--archive", options->archive, "verify this archive file instead");
  verify->callback([options, &result] { result.status = RunVerify(*options); });

  CLI::App* exp = audit->add_subcommand("export", "write records as JSON lines or CSV");
  AddStoreFlags(exp, options->store);
  exp->add_option("--from", options->from, "first record time")->required();
  exp->add_option("--to", options->to, "last record time")->required();
  exp->add_option("--user", options->user, "only this user's records");
  exp->add_option("--key", options->key_id, "only this API key id's records");
  exp->add_option("--format", options->format, "jsonl or csv")->required();
  exp->add_option("--output", options->output, "file to write (default: stdout)");
  exp->callback([options, &result] { result.status = RunExport(*options); });

  CLI::App* tail = audit->add_subcommand("tail", "print the newest records");
  AddStoreFlags(tail, options->store);
  tail->add_option("-n,--lines", options->count, "how many (default 20)");
  tail->add_flag("-f,--follow", options->follow, "keep printing new records");
  tail->callback([options, &result] { result.status = RunTail(*options); });

  CLI::App* purge = audit->add_subcommand("purge", "apply audit.retention_days now");
  AddStoreFlags(purge, options->store);
  purge->add_flag("--allow-short-retention", options->allow_short_retention,
                  "accept audit.retention_days below 180");
  purge->callback([options, &result] { result.status = RunPurge(*options); });
}

}  // namespace citadel::cli
