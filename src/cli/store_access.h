// How `citadel users` and `citadel keys` reach the store: the same settings
// as `serve` (--config FILE, CITADEL_* variables, --set NAME=VALUE) plus
// --data-dir for the embedded SQLite file, and on a store without users the
// first `admin` account (password from CITADEL_ADMIN_PASSWORD, else a random
// one printed once on stderr).
//
// Used on the main thread only.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "server/config.h"
#include "store/store.h"
#include "util/status.h"

namespace citadel::cli {

struct StoreFlags {
  std::string data_dir;
  std::string config_file;
  std::vector<std::string> assignments;
  bool json = false;
};

// Adds --data-dir, --config, --set and --json to `cmd`.
void AddStoreFlags(CLI::App* cmd, StoreFlags& flags);

// The settings the flags, the config file and the environment give.
Result<server::Settings> SettingsFromFlags(const StoreFlags& flags);

// Opens (and migrates) the store the flags and settings name.
Result<std::unique_ptr<store::Store>> OpenStoreFromFlags(const StoreFlags& flags);

// Reads one line (without its newline) from stdin, for --password-stdin.
Result<std::string> ReadPasswordLine();

}  // namespace citadel::cli
