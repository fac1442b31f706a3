// Settings: every knob of `citadel serve` under one dotted name, with a type,
// an embedded default and the source its effective value came from.
//
//   Settings settings = Settings::Defaults();
//   CITADEL_TRY(settings.LoadTomlFile("citadel.toml"));      // [server] port = 9000
//   CITADEL_TRY(settings.ApplyEnvironment(environ_pairs));   // CITADEL_SERVER_PORT=9001
//   CITADEL_TRY(settings.Set("server.port", "9002", SettingSource::kCommandLine));
//   settings.GetInt("server.port");                          // 9002
//
// Precedence is the order of application: file, then environment, then the
// command line (--set NAME=VALUE and the dedicated flags); the later wins.
// The environment variable of a setting is CITADEL_ + its name upper-cased
// with dots as underscores (server.port -> CITADEL_SERVER_PORT). An unknown
// name or a value of the wrong type or range is InvalidArgument naming the
// setting and where it came from. Secrets (store.url) are masked by
// Describe().
//
// Thread-compatible value type; build it once at start-up, then read it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "util/status.h"

namespace citadel::server {

enum class SettingType { kString, kInt, kFloat, kBool, kStringList };
enum class SettingSource { kDefault, kFile, kEnvironment, kCommandLine };

// "default", "file", "env", "command line".
std::string_view SettingSourceName(SettingSource source);

using SettingValue =
    std::variant<std::string, std::int64_t, double, bool, std::vector<std::string>>;

struct SettingSpec {
  std::string name;  // dotted, e.g. "server.port"
  SettingType type = SettingType::kString;
  SettingValue default_value;
  std::string help;
  bool secret = false;
  double min = 0;  // inclusive bounds for kInt and kFloat
  double max = 0;
};

// One effective setting, for `citadel config show`.
struct SettingEntry {
  std::string name;
  std::string value;  // rendered; "********" for a non-empty secret
  SettingSource source = SettingSource::kDefault;
  std::string origin;  // the file path or variable name; empty for defaults
  std::string help;
};

class Settings {
 public:
  // Every known setting at its embedded default.
  static Settings Defaults();

  // Reads a TOML file: tables give the first part of the dotted name
  // ([server] port = 1 is server.port). NotFound when the file cannot be
  // read; InvalidArgument for a syntax error (with line and column), an
  // unknown name or a wrong type.
  Status LoadTomlFile(const std::string& path);
  Status LoadTomlString(std::string_view text, const std::string& origin);

  // Applies CITADEL_* variables from `environment` ("NAME=VALUE" strings, as
  // in environ). A variable under a known section (CITADEL_SERVER_...,
  // CITADEL_ENGINE_..., CITADEL_MODEL_..., CITADEL_STORE_...) that names no setting is an error;
  // other CITADEL_ variables are left alone.
  Status ApplyEnvironment(const std::vector<std::string>& environment);

  // Parses `text` as the setting's type (lists: comma-separated) and sets it.
  Status Set(std::string_view name, std::string_view text, SettingSource source,
             std::string origin = "");
  // "name=value", as given to --set.
  Status SetAssignment(std::string_view assignment, SettingSource source);

  // Typed getters. The name must be a known setting of that type (a
  // programmer error otherwise).
  const std::string& GetString(std::string_view name) const;
  std::int64_t GetInt(std::string_view name) const;
  double GetFloat(std::string_view name) const;
  bool GetBool(std::string_view name) const;
  const std::vector<std::string>& GetList(std::string_view name) const;
  SettingSource SourceOf(std::string_view name) const;

  // Every setting in registry order, secrets masked.
  std::vector<SettingEntry> Describe() const;

  // The environment variable of a dotted name: server.port -> CITADEL_SERVER_PORT.
  static std::string EnvironmentName(std::string_view name);

 private:
  struct Slot {
    SettingSpec spec;
    SettingValue value;
    SettingSource source = SettingSource::kDefault;
    std::string origin;
  };
  Slot* Find(std::string_view name);
  const Slot& Get(std::string_view name, SettingType type) const;
  Status Assign(Slot& slot, SettingValue value, SettingSource source, std::string origin);

  std::vector<Slot> slots_;
};

// Where the settings of one run come from, in increasing precedence.
struct SettingsSources {
  std::string config_file;               // TOML; empty: none
  std::vector<std::string> environment;  // "NAME=VALUE" entries (environ)
  // Dedicated flags (--port 9000 -> {"server.port", "9000"}), then --set.
  std::vector<std::pair<std::string, std::string>> flags;
  std::vector<std::string> assignments;  // --set NAME=VALUE
};

// This process's environment as "NAME=VALUE" strings.
std::vector<std::string> ProcessEnvironment();

// Defaults, then the file, the environment, the flags and --set.
Result<Settings> ResolveSettings(const SettingsSources& sources);

// Renders a value the way `config show` and error messages print it.
std::string RenderSettingValue(const SettingValue& value);

}  // namespace citadel::server
