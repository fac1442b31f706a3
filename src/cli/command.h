// The `citadel` command line: each subcommand lives in its own file and
// registers itself on the CLI11 app through one function declared here.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "util/status.h"

namespace citadel::cli {

// Filled in by the subcommand that ran; main() turns it into the exit status
// and a one-line reason on stderr.
struct CommandResult {
  Status status;
};

// Registration functions, one per subcommand file (cli/NAME_command.cc):
void RegisterInspectCommand(CLI::App& app, CommandResult& result);
void RegisterSynthCommand(CLI::App& app, CommandResult& result);
void RegisterBenchCommand(CLI::App& app, CommandResult& result);
void RegisterGenerateCommand(CLI::App& app, CommandResult& result);
void RegisterRunCommand(CLI::App& app, CommandResult& result);
void RegisterQuantizeCommand(CLI::App& app, CommandResult& result);
void RegisterTokenizeCommand(CLI::App& app, CommandResult& result);
void RegisterTemplateCommand(CLI::App& app, CommandResult& result);
void RegisterServeCommand(CLI::App& app, CommandResult& result);
void RegisterConfigCommand(CLI::App& app, CommandResult& result);
void RegisterUsersCommand(CLI::App& app, CommandResult& result);
void RegisterKeysCommand(CLI::App& app, CommandResult& result);
void RegisterPiiCommand(CLI::App& app, CommandResult& result);
void RegisterAuditCommand(CLI::App& app, CommandResult& result);

}  // namespace citadel::cli
