#include "cli/store_access.h"

#include <iostream>

#include "server/config.h"
#include "server/store_setup.h"

namespace citadel::cli {

void AddStoreFlags(CLI::App* cmd, StoreFlags& flags) {
  cmd->add_option("--data-dir", flags.data_dir,
                  "folder of the embedded store (store.data_dir, default ./citadel-data)");
  cmd->add_option("--config", flags.config_file, "TOML settings file");
  cmd->add_option("--set", flags.assignments, "NAME=VALUE for any setting, e.g. store.url=...");
  cmd->add_flag("--json", flags.json, "print JSON");
}

Result<server::Settings> SettingsFromFlags(const StoreFlags& flags) {
  server::SettingsSources sources;
  sources.config_file = flags.config_file;
  sources.environment = server::ProcessEnvironment();
  if (!flags.data_dir.empty()) sources.flags.emplace_back("store.data_dir", flags.data_dir);
  sources.assignments = flags.assignments;
  return server::ResolveSettings(sources);
}

Result<std::unique_ptr<store::Store>> OpenStoreFromFlags(const StoreFlags& flags) {
  CITADEL_ASSIGN_OR_RETURN(server::Settings settings, SettingsFromFlags(flags));
  return server::OpenStoreFromSettings(settings);
}

Result<std::string> ReadPasswordLine() {
  std::string line;
  if (!std::getline(std::cin, line)) return InvalidArgumentError("no password on stdin");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace citadel::cli
