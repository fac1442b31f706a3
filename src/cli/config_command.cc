// `citadel config show [--config FILE] [--set NAME=VALUE]... [--json]`:
// prints every setting's effective value and where it came from (default,
// file, env, command line), after a comment line saying what it does;
// secrets are masked.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/command.h"
#include "server/config.h"

namespace citadel::cli {

namespace {

struct ConfigShowOptions {
  std::string config_file;
  std::vector<std::string> assignments;
  bool json = false;
};

Status RunConfigShow(const ConfigShowOptions& options) {
  server::SettingsSources sources;
  sources.config_file = options.config_file;
  sources.environment = server::ProcessEnvironment();
  sources.assignments = options.assignments;
  CITADEL_ASSIGN_OR_RETURN(server::Settings settings, server::ResolveSettings(sources));
  const std::vector<server::SettingEntry> entries = settings.Describe();
  if (options.json) {
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    for (const server::SettingEntry& e : entries) {
      out[e.name] = {{"value", e.value},
                     {"source", server::SettingSourceName(e.source)},
                     {"origin", e.origin},
                     {"env", server::Settings::EnvironmentName(e.name)},
                     {"help", e.help}};
    }
    std::printf("%s\n", out.dump(2).c_str());
    return OkStatus();
  }
  size_t width = 0;
  for (const server::SettingEntry& e : entries)
    width = std::max(width, e.name.size() + e.value.size());
  for (const server::SettingEntry& e : entries) {
    std::string where(server::SettingSourceName(e.source));
    if (!e.origin.empty()) where += ": " + e.origin;
    const std::string assignment = e.name + " = " + e.value;
    std::printf("# %s\n", e.help.c_str());
    std::printf("%-*s  # %s\n", static_cast<int>(width + 3), assignment.c_str(), where.c_str());
  }
  return OkStatus();
}

}  // namespace

void RegisterConfigCommand(CLI::App& app, CommandResult& result) {
  auto options = std::make_shared<ConfigShowOptions>();
  CLI::App* cmd = app.add_subcommand("config", "Inspect the server settings");
  cmd->require_subcommand(1);
  CLI::App* show = cmd->add_subcommand("show", "Print the effective settings and their sources");
  show->add_option("--config", options->config_file, "TOML settings file");
  show->add_option("--set", options->assignments, "NAME=VALUE for any setting (repeatable)");
  show->add_flag("--json", options->json, "print a JSON object");
  show->callback([options, &result] { result.status = RunConfigShow(*options); });
}

}  // namespace citadel::cli
