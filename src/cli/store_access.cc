#include "cli/store_access.h"

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "security/password_bootstrap.h"
#include "server/config.h"
#include "store/store_url.h"
#include "util/clock.h"

namespace citadel::cli {

void AddStoreFlags(CLI::App* cmd, StoreFlags& flags) {
  cmd->add_option("--data-dir", flags.data_dir,
                  "folder of the embedded store (store.data_dir, default ./citadel-data)");
  cmd->add_option("--config", flags.config_file, "TOML settings file");
  cmd->add_option("--set", flags.assignments, "NAME=VALUE for any setting, e.g. store.url=...");
  cmd->add_flag("--json", flags.json, "print JSON");
}

Result<std::unique_ptr<store::Store>> OpenStoreFromFlags(const StoreFlags& flags) {
  server::SettingsSources sources;
  sources.config_file = flags.config_file;
  sources.environment = server::ProcessEnvironment();
  if (!flags.data_dir.empty()) sources.flags.emplace_back("store.data_dir", flags.data_dir);
  sources.assignments = flags.assignments;
  CITADEL_ASSIGN_OR_RETURN(server::Settings settings, server::ResolveSettings(sources));
  std::string url = settings.GetString("store.url");
  if (url.empty()) url = store::DefaultStoreUrl(settings.GetString("store.data_dir"));
  CITADEL_ASSIGN_OR_RETURN(std::unique_ptr<store::Store> store, store::OpenStore(url));
  std::optional<std::string> password;
  if (const char* env = std::getenv("CITADEL_ADMIN_PASSWORD")) password = env;
  SystemClock clock;
  CITADEL_ASSIGN_OR_RETURN(security::AdminBootstrap bootstrap,
                           security::EnsureAdminUser(*store, password, clock.UnixSeconds()));
  if (bootstrap.created && !bootstrap.generated_password.empty()) {
    std::fprintf(stderr,
                 "citadel: created user 'admin' with password %s (shown once; change it with "
                 "`citadel users passwd admin`)\n",
                 bootstrap.generated_password.c_str());
  } else if (bootstrap.created) {
    std::fprintf(stderr,
                 "citadel: created user 'admin' with the password in CITADEL_ADMIN_PASSWORD\n");
  }
  return store;
}

Result<std::string> ReadPasswordLine() {
  std::string line;
  if (!std::getline(std::cin, line)) return InvalidArgumentError("no password on stdin");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace citadel::cli
