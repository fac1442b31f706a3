#include "server/config.h"

#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>

namespace citadel::server {
namespace {

constexpr double kMaxInt = 9.0e15;

SettingSpec IntSpec(std::string name, std::int64_t value, double min, double max,
                    std::string help) {
  return {std::move(name), SettingType::kInt, value, std::move(help), false, min, max};
}
SettingSpec StringSpec(std::string name, std::string value, std::string help, bool secret = false) {
  return {std::move(name), SettingType::kString, std::move(value), std::move(help), secret, 0, 0};
}
SettingSpec BoolSpec(std::string name, bool value, std::string help) {
  return {std::move(name), SettingType::kBool, value, std::move(help), false, 0, 0};
}
SettingSpec ListSpec(std::string name, std::string help) {
  return {std::move(name),
          SettingType::kStringList,
          std::vector<std::string>{},
          std::move(help),
          false,
          0,
          0};
}

std::vector<SettingSpec> Registry() {
  constexpr double kMiB = 1024.0 * 1024.0;
  return {
      StringSpec("server.host", "127.0.0.1", "address to listen on"),
      IntSpec("server.port", 8080, 0, 65535, "TCP port (0: any free port)"),
      IntSpec("server.io_threads", 4, 1, 256, "threads doing network I/O, JSON and templating"),
      IntSpec("server.max_connections", 512, 1, 1e6, "open connections at most"),
      IntSpec("server.max_header_bytes", 16384, 1024, kMiB, "request line and headers at most"),
      IntSpec("server.max_body_bytes", 4 * kMiB, 1024, 1024 * kMiB, "request body at most (413)"),
      IntSpec("server.read_timeout_s", 30, 1, 86400, "time to receive one whole request"),
      IntSpec("server.idle_timeout_s", 60, 1, 86400, "keep-alive connection idle at most"),
      IntSpec("server.request_timeout_s", 600, 1, 86400, "time to answer one request at most"),
      IntSpec("server.shutdown_grace_s", 10, 0, 3600,
              "on SIGTERM/SIGINT, time in-flight requests get to finish"),
      BoolSpec("server.log_requests", true, "one JSON line per request on stderr"),
      BoolSpec("server.log_content", false, "include prompt and answer text in request logs"),
      ListSpec("model.paths", "GGUF model files to serve"),
      ListSpec("model.aliases", "model ids, in the order of model.paths (default: file stem)"),
      IntSpec("engine.threads", 0, 0, 1024, "compute threads per model (0: all cores)"),
      IntSpec("engine.max_running", 16, 1, 4096, "sequences decoded together"),
      IntSpec("engine.max_batch_tokens", 512, 1, 1 << 20, "tokens per engine step"),
      IntSpec("engine.max_queue", 256, 1, 1 << 20, "waiting requests before 429"),
      IntSpec("engine.context_length", 0, 0, 1 << 20, "per-sequence context (0: model's, <= 4096)"),
      IntSpec("engine.kv_cache_mib", 0, 0, 1 << 24, "KV cache size in MiB (0: automatic)"),
      StringSpec("engine.kv_cache_type", "f16",
                 "KV element type: f16 or q8_0 (about half the bytes)"),
      IntSpec("engine.block_tokens", 16, 1, 1024, "tokens per KV block"),
      // Store (issue 14): where users, keys and conversations live.
      StringSpec("store.data_dir", "./citadel-data",
                 "folder of the embedded SQLite store (used when store.url is empty)"),
      StringSpec("store.url", "",
                 "sqlite:PATH or postgres://USER:PASS@HOST:PORT/DB?sslmode=MODE "
                 "(empty: sqlite:DATA_DIR/citadel.db)",
                 true),
      // Access control at the edge (issue 15).
      ListSpec("network.allow",
               "CIDR blocks admitted at accept, or the preset intranet (empty: everyone)"),
      ListSpec("network.deny", "CIDR blocks refused at accept (wins over network.allow)"),
      ListSpec("network.trusted_proxies",
               "peers whose X-Forwarded-For is believed (rightmost untrusted hop is the client)"),
      StringSpec("network.refuse", "close", "a refused peer: close (unanswered) or 403"),
      // Audit trail (issue 17).
      BoolSpec("audit.enabled", true, "record every request and admin action in the audit trail"),
      StringSpec("audit.capture", "none",
                 "prompt and answer text kept in audit records: none, redacted or full"),
      StringSpec("audit.hash", "sha256", "digest of the audit hash chain: sha256 or sm3"),
      StringSpec("audit.signing", "hmac-sha256", "checkpoint signatures: hmac-sha256 or ed25519"),
      StringSpec("audit.hmac_key", "", "checkpoint HMAC key, >= 32 bytes (prefer the file)", true),
      StringSpec("audit.hmac_key_file", "",
                 "file with the checkpoint HMAC key (empty: DATA_DIR/audit-hmac.key, made once)"),
      StringSpec("audit.ed25519_key_file", "",
                 "PEM Ed25519 key: a private key signs, a public key only verifies"),
      IntSpec("audit.checkpoint_every", 1000, 1, kMaxInt, "records between signed checkpoints"),
      StringSpec("audit.sync", "batch",
                 "every: respond once the record is durable; batch: once queued (<= 10 ms at risk)"),
      StringSpec("audit.on_failure", "block",
                 "records cannot be written: block (answer 503) or continue (serve and alarm)"),
      IntSpec("audit.retention_days", 180, 1, 36500,
              "days audit records are kept (below 180 needs audit.allow_short_retention)"),
      BoolSpec("audit.allow_short_retention", false,
               "accept audit.retention_days below 180 (logged at start-up)"),
      StringSpec("audit.archive_dir", "", "folder for archives of purged records (empty: none)"),
      // Edge (issue 15): native TLS, rate limits, CORS.
      StringSpec("tls.cert", "", "PEM certificate chain: serve HTTPS (with tls.key); SIGHUP reloads"),
      StringSpec("tls.key", "", "PEM private key of tls.cert"),
      StringSpec("tls.client_ca", "",
                 "PEM CA bundle: clients must present a certificate it signed (mutual TLS)"),
      StringSpec("tls.min_version", "1.3", "oldest TLS version accepted: 1.3 or 1.2"),
      BoolSpec("tls.self_signed", false,
               "HTTPS with a throw-away self-signed certificate made in memory (trials only)"),
      ListSpec("server.cors_origins",
               "browser origins (https://host[:port]) allowed to call the API cross-origin "
               "(empty: CORS off)"),
      StringSpec("ratelimit.backend", "local",
                 "where per-key budgets live: local (this process), redis://HOST:PORT "
                 "(shared by replicas) or off"),
      StringSpec("ratelimit.on_backend_error", "local",
                 "Redis unreachable: local (this replica's own buckets) or deny (503)"),
      IntSpec("ratelimit.default_rpm", 100, 0, 1e9,
              "requests per minute for keys created without their own limit (0: unlimited)"),
      StringSpec("auth.mode", "keys",
                 "keys (the default, loopback included: a same-host proxy makes loopback "
                 "reachable): an API key from the store on every route but /health, /ready, "
                 "/metrics; none: the model API needs no key (/admin still does), allowed only "
                 "on a loopback server.host"),
      BoolSpec("metrics.require_key", false, "/metrics needs an API key too"),
      // Content policy (issue 18); dlp.mode and policy.input/output default
      // by policy.profile when not set.
      ListSpec("pii.custom",
               "extra PII patterns: [{name = \"x\", regex = \"...\"}] in TOML, NAME=REGEX "
               "entries elsewhere (PCRE2)"),
      StringSpec("dlp.mode", "mask",
                 "personal data in prompts: off, mask, block (400 pii_blocked); default by "
                 "profile"),
      StringSpec("policy.profile", "internal",
                 "internal (DLP mask, no word filter) or public (DLP mask, words blocked on "
                 "input, masked on output)"),
      StringSpec("policy.words_file", "", "lexicon, one term a line (UTF-8); SIGHUP reloads"),
      StringSpec("policy.input", "off", "lexicon terms in prompts: off, block, mask; default by profile"),
      StringSpec("policy.output", "off", "lexicon terms in answers: off, mask, stop; default by profile"),
  };
}

// Settings that existed once, with what replaces them, so an old config file
// stops with a pointer instead of a bare "unknown setting".
std::string RemovedSettingHint(std::string_view name) {
  if (name == "server.api_key") {
    return "; it was removed: API keys live in the store now (`citadel keys create`, "
           "auth.mode = keys)";
  }
  return "";
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

Result<SettingValue> ParseText(const SettingSpec& spec, std::string_view raw) {
  const std::string_view text = Trim(raw);
  const auto bad = [&](std::string_view what) {
    return InvalidArgumentError("setting " + spec.name + ": '" + std::string(raw) + "' is not " +
                                std::string(what));
  };
  switch (spec.type) {
    case SettingType::kString:
      return SettingValue(std::string(raw));
    case SettingType::kInt: {
      std::int64_t value = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
        return bad("an integer");
      }
      return SettingValue(value);
    }
    case SettingType::kFloat: {
      try {
        size_t used = 0;
        const double value = std::stod(std::string(text), &used);
        if (used != text.size()) return bad("a number");
        return SettingValue(value);
      } catch (const std::exception&) {
        return bad("a number");
      }
    }
    case SettingType::kBool: {
      std::string lower(text);
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return std::tolower(c); });
      if (lower == "true" || lower == "1" || lower == "yes" || lower == "on")
        return SettingValue(true);
      if (lower == "false" || lower == "0" || lower == "no" || lower == "off")
        return SettingValue(false);
      return bad("a boolean (true/false)");
    }
    case SettingType::kStringList: {
      std::vector<std::string> items;
      size_t start = 0;
      while (start <= text.size() && !text.empty()) {
        const size_t comma = text.find(',', start);
        const std::string_view item =
            Trim(text.substr(start, comma == std::string_view::npos ? text.npos : comma - start));
        if (!item.empty()) items.emplace_back(item);
        if (comma == std::string_view::npos) break;
        start = comma + 1;
      }
      return SettingValue(std::move(items));
    }
  }
  return bad("valid");
}

Result<SettingValue> FromToml(const SettingSpec& spec, const toml::node& node) {
  const auto bad = [&](std::string_view what) {
    return InvalidArgumentError("setting " + spec.name + " must be " + std::string(what));
  };
  switch (spec.type) {
    case SettingType::kString:
      if (auto v = node.value<std::string>(); v && node.is_string()) return SettingValue(*v);
      return bad("a string");
    case SettingType::kInt:
      if (node.is_integer()) return SettingValue(*node.value<std::int64_t>());
      return bad("an integer");
    case SettingType::kFloat:
      if (node.is_number()) return SettingValue(*node.value<double>());
      return bad("a number");
    case SettingType::kBool:
      if (node.is_boolean()) return SettingValue(*node.value<bool>());
      return bad("a boolean");
    case SettingType::kStringList: {
      std::vector<std::string> items;
      if (node.is_string())
        return SettingValue(std::vector<std::string>{*node.value<std::string>()});
      const toml::array* array = node.as_array();
      if (array == nullptr) return bad("an array of strings");
      for (const toml::node& item : *array) {
        // pii.custom entries may be {name = "...", regex = "..."} tables.
        const toml::table* entry = item.as_table();
        if (entry != nullptr && (*entry)["name"].is_string() && (*entry)["regex"].is_string()) {
          items.push_back(*(*entry)["name"].value<std::string>() + "=" +
                          *(*entry)["regex"].value<std::string>());
          continue;
        }
        if (!item.is_string()) return bad("an array of strings");
        items.push_back(*item.value<std::string>());
      }
      return SettingValue(std::move(items));
    }
  }
  return bad("valid");
}

std::string FormatNumber(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%g", value);
  return buffer;
}

}  // namespace

std::string_view SettingSourceName(SettingSource source) {
  switch (source) {
    case SettingSource::kDefault:
      return "default";
    case SettingSource::kFile:
      return "file";
    case SettingSource::kEnvironment:
      return "env";
    case SettingSource::kCommandLine:
      return "command line";
  }
  return "?";
}

std::string RenderSettingValue(const SettingValue& value) {
  if (const auto* s = std::get_if<std::string>(&value)) return *s;
  if (const auto* i = std::get_if<std::int64_t>(&value)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&value)) return FormatNumber(*d);
  if (const auto* b = std::get_if<bool>(&value)) return *b ? "true" : "false";
  std::string out;
  for (const std::string& item : std::get<std::vector<std::string>>(value)) {
    if (!out.empty()) out += ",";
    out += item;
  }
  return out;
}

Settings Settings::Defaults() {
  Settings settings;
  for (SettingSpec& spec : Registry()) {
    SettingValue value = spec.default_value;
    settings.slots_.push_back({std::move(spec), std::move(value), SettingSource::kDefault, ""});
  }
  return settings;
}

std::string Settings::EnvironmentName(std::string_view name) {
  std::string env = "CITADEL_";
  for (char c : name) {
    env += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return env;
}

Settings::Slot* Settings::Find(std::string_view name) {
  for (Slot& slot : slots_) {
    if (slot.spec.name == name) return &slot;
  }
  return nullptr;
}

const Settings::Slot& Settings::Get(std::string_view name, SettingType type) const {
  for (const Slot& slot : slots_) {
    if (slot.spec.name == name) {
      assert(slot.spec.type == type && "setting read with the wrong type");
      return slot;
    }
  }
  assert(false && "unknown setting name");
  return slots_.front();
}

Status Settings::Assign(Slot& slot, SettingValue value, SettingSource source, std::string origin) {
  const SettingSpec& spec = slot.spec;
  double number = 0;
  bool numeric = false;
  if (const auto* i = std::get_if<std::int64_t>(&value)) {
    number = static_cast<double>(*i);
    numeric = true;
  } else if (const auto* d = std::get_if<double>(&value)) {
    number = *d;
    numeric = true;
    if (!std::isfinite(number)) {
      return InvalidArgumentError("setting " + spec.name + " must be a finite number");
    }
  }
  if (numeric && (number < spec.min || number > spec.max || std::fabs(number) > kMaxInt)) {
    return InvalidArgumentError("setting " + spec.name + " = " + RenderSettingValue(value) +
                                " is out of range [" + FormatNumber(spec.min) + ", " +
                                FormatNumber(spec.max) + "]" +
                                (origin.empty() ? "" : " (from " + origin + ")"));
  }
  slot.value = std::move(value);
  slot.source = source;
  slot.origin = std::move(origin);
  return OkStatus();
}

Status Settings::Set(std::string_view name, std::string_view text, SettingSource source,
                     std::string origin) {
  Slot* slot = Find(name);
  if (slot == nullptr) {
    return InvalidArgumentError("unknown setting '" + std::string(name) + "'" +
                                (origin.empty() ? "" : " (from " + origin + ")") +
                                RemovedSettingHint(name));
  }
  auto value = ParseText(slot->spec, text);
  if (!value.ok()) {
    return origin.empty() ? value.status() : value.status().WithContext(origin);
  }
  return Assign(*slot, std::move(value).value(), source, std::move(origin));
}

Status Settings::SetAssignment(std::string_view assignment, SettingSource source) {
  const size_t eq = assignment.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return InvalidArgumentError("--set expects NAME=VALUE, got '" + std::string(assignment) + "'");
  }
  return Set(Trim(assignment.substr(0, eq)), assignment.substr(eq + 1), source, "--set");
}

Status Settings::LoadTomlFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError("cannot read config file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return LoadTomlString(text.str(), path);
}

Status Settings::LoadTomlString(std::string_view text, const std::string& origin) {
  toml::table table;
  try {
    table = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    return InvalidArgumentError("config file " + origin + ":" + std::to_string(where.line) + ":" +
                                std::to_string(where.column) + ": " + std::string(e.description()));
  }
  Status status;
  // Flattens nested tables into dotted names.
  std::function<void(const toml::table&, const std::string&)> walk =
      [&](const toml::table& t, const std::string& prefix) {
        for (const auto& [key, node] : t) {
          if (!status.ok()) return;
          const std::string name = prefix + std::string(key.str());
          if (const toml::table* sub = node.as_table()) {
            walk(*sub, name + ".");
            continue;
          }
          Slot* slot = Find(name);
          if (slot == nullptr) {
            status = InvalidArgumentError("unknown setting '" + name + "' in config file " +
                                          origin + RemovedSettingHint(name));
            return;
          }
          auto value = FromToml(slot->spec, node);
          if (!value.ok()) {
            status = value.status().WithContext("config file " + origin);
            return;
          }
          status = Assign(*slot, std::move(value).value(), SettingSource::kFile, origin);
        }
      };
  walk(table, "");
  return status;
}

Status Settings::ApplyEnvironment(const std::vector<std::string>& environment) {
  for (const std::string& entry : environment) {
    const size_t eq = entry.find('=');
    if (eq == std::string::npos) continue;
    const std::string_view var = std::string_view(entry).substr(0, eq);
    if (!var.starts_with("CITADEL_")) continue;
    Slot* match = nullptr;
    for (Slot& slot : slots_) {
      if (EnvironmentName(slot.spec.name) == var) match = &slot;
    }
    if (match == nullptr) {
      const bool known_section =
          var.starts_with("CITADEL_SERVER_") || var.starts_with("CITADEL_ENGINE_") ||
          var.starts_with("CITADEL_MODEL_") || var.starts_with("CITADEL_STORE_") ||
          var.starts_with("CITADEL_NETWORK_") || var.starts_with("CITADEL_AUTH_") ||
          var.starts_with("CITADEL_METRICS_") || var.starts_with("CITADEL_TLS_") ||
          var.starts_with("CITADEL_RATELIMIT_");
      if (known_section) {
        return InvalidArgumentError(
            "unknown setting in environment variable " + std::string(var) +
            (var == "CITADEL_SERVER_API_KEY" ? RemovedSettingHint("server.api_key") : ""));
      }
      continue;
    }
    CITADEL_TRY(Set(match->spec.name, std::string_view(entry).substr(eq + 1),
                    SettingSource::kEnvironment, std::string(var)));
  }
  return OkStatus();
}

const std::string& Settings::GetString(std::string_view name) const {
  return std::get<std::string>(Get(name, SettingType::kString).value);
}
std::int64_t Settings::GetInt(std::string_view name) const {
  return std::get<std::int64_t>(Get(name, SettingType::kInt).value);
}
double Settings::GetFloat(std::string_view name) const {
  return std::get<double>(Get(name, SettingType::kFloat).value);
}
bool Settings::GetBool(std::string_view name) const {
  return std::get<bool>(Get(name, SettingType::kBool).value);
}
const std::vector<std::string>& Settings::GetList(std::string_view name) const {
  return std::get<std::vector<std::string>>(Get(name, SettingType::kStringList).value);
}

SettingSource Settings::SourceOf(std::string_view name) const {
  for (const Slot& slot : slots_) {
    if (slot.spec.name == name) return slot.source;
  }
  return SettingSource::kDefault;
}

std::vector<SettingEntry> Settings::Describe() const {
  std::vector<SettingEntry> entries;
  for (const Slot& slot : slots_) {
    std::string value = RenderSettingValue(slot.value);
    if (slot.spec.secret && !value.empty()) value = "********";
    entries.push_back({slot.spec.name, value, slot.source, slot.origin, slot.spec.help});
  }
  return entries;
}

std::vector<std::string> ProcessEnvironment() {
  std::vector<std::string> env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    env.emplace_back(*entry);
  }
  return env;
}

Result<Settings> ResolveSettings(const SettingsSources& sources) {
  Settings settings = Settings::Defaults();
  if (!sources.config_file.empty()) CITADEL_TRY(settings.LoadTomlFile(sources.config_file));
  CITADEL_TRY(settings.ApplyEnvironment(sources.environment));
  for (const auto& [name, value] : sources.flags) {
    CITADEL_TRY(settings.Set(name, value, SettingSource::kCommandLine));
  }
  for (const std::string& assignment : sources.assignments) {
    CITADEL_TRY(settings.SetAssignment(assignment, SettingSource::kCommandLine));
  }
  return settings;
}

}  // namespace citadel::server
