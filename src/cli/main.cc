// citadel: the single binary. Parses the command line, runs one subcommand,
// maps its Status to one stderr line and a non-zero exit.
#include <cstdio>
#include <exception>

#include "cli/command.h"

int main(int argc, char** argv) {
  CLI::App app{"Citadel: a self-hosted, enterprise-grade ChatGPT server for GGUF models"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "citadel 0.1.0");
  citadel::cli::CommandResult result;
  (void)result;
  citadel::cli::RegisterInspectCommand(app, result);
  citadel::cli::RegisterSynthCommand(app, result);
  citadel::cli::RegisterBenchCommand(app, result);
  citadel::cli::RegisterGenerateCommand(app, result);
  citadel::cli::RegisterRunCommand(app, result);
  citadel::cli::RegisterQuantizeCommand(app, result);
  citadel::cli::RegisterTokenizeCommand(app, result);
  citadel::cli::RegisterTemplateCommand(app, result);
  citadel::cli::RegisterServeCommand(app, result);
  citadel::cli::RegisterConfigCommand(app, result);
  citadel::cli::RegisterUsersCommand(app, result);
  citadel::cli::RegisterKeysCommand(app, result);
  citadel::cli::RegisterPiiCommand(app, result);
  citadel::cli::RegisterAuditCommand(app, result);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "citadel: error: %s\n", e.what());
    return 1;
  }
  if (!result.status.ok()) {
    std::fprintf(stderr, "citadel: error: %s\n", result.status.message().c_str());
    return 1;
  }
  return 0;
}
