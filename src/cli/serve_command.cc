// `citadel serve [-m MODEL]... [--alias NAME]... [--host H] [--port P]
//   [--config FILE] [--set NAME=VALUE]... [--data-dir DIR] [--shutdown-grace S]
//   [--threads T] [--kv-cache-type f16|q8_0] [--tls-self-signed]`:
// the OpenAI-compatible HTTP server. Settings come from the TOML file, then
// CITADEL_* environment variables, then these flags (see `citadel config show`).
// The store (users, API keys) is store.url, else an SQLite file under
// --data-dir (store.data_dir, default ./citadel-data), opened before the
// server listens; requests need a key from it unless auth.mode = none.
#include <memory>
#include <string>
#include <vector>

#include "cli/command.h"
#include "server/config.h"
#include "server/server_runner.h"

namespace citadel::cli {
namespace {

struct ServeOptions {
  std::string config_file;
  std::vector<std::string> models;
  std::vector<std::string> aliases;
  std::string host;
  std::string port;
  std::string shutdown_grace;
  std::string threads;
  std::string kv_cache_type;
  std::string data_dir;
  std::vector<std::string> assignments;
  bool tls_self_signed = false;
};

server::SettingsSources SourcesOf(const ServeOptions& o) {
  server::SettingsSources sources;
  sources.config_file = o.config_file;
  sources.environment = server::ProcessEnvironment();
  const auto join = [](const std::vector<std::string>& items) {
    std::string out;
    for (const std::string& item : items) out += (out.empty() ? "" : ",") + item;
    return out;
  };
  if (!o.models.empty()) sources.flags.emplace_back("model.paths", join(o.models));
  if (!o.aliases.empty()) sources.flags.emplace_back("model.aliases", join(o.aliases));
  if (!o.host.empty()) sources.flags.emplace_back("server.host", o.host);
  if (!o.port.empty()) sources.flags.emplace_back("server.port", o.port);
  if (!o.shutdown_grace.empty())
    sources.flags.emplace_back("server.shutdown_grace_s", o.shutdown_grace);
  if (!o.threads.empty()) sources.flags.emplace_back("engine.threads", o.threads);
  if (!o.kv_cache_type.empty()) sources.flags.emplace_back("engine.kv_cache_type", o.kv_cache_type);
  if (o.tls_self_signed) sources.flags.emplace_back("tls.self_signed", "true");
  if (!o.data_dir.empty()) sources.flags.emplace_back("store.data_dir", o.data_dir);
  sources.assignments = o.assignments;
  return sources;
}

Status RunServe(const ServeOptions& options) {
  CITADEL_ASSIGN_OR_RETURN(server::Settings settings, server::ResolveSettings(SourcesOf(options)));
  return server::RunServer(settings);
}

}  // namespace

void RegisterServeCommand(CLI::App& app, CommandResult& result) {
  auto options = std::make_shared<ServeOptions>();
  CLI::App* cmd = app.add_subcommand("serve", "Serve models over the OpenAI-compatible HTTP API");
  cmd->add_option("-m,--model", options->models, "GGUF model file (repeat for several)");
  cmd->add_option("--alias", options->aliases, "model id, in the order of -m (default: file stem)");
  cmd->add_option("--host", options->host, "address to listen on (server.host)");
  cmd->add_option("--port", options->port, "TCP port (server.port; 0: any free port)");
  cmd->add_option("--config", options->config_file, "TOML settings file");
  cmd->add_option("--set", options->assignments, "NAME=VALUE for any setting (repeatable)");
  cmd->add_option("--data-dir", options->data_dir,
                  "folder of the embedded store (store.data_dir, default ./citadel-data)");
  cmd->add_option("--shutdown-grace", options->shutdown_grace,
                  "seconds in-flight requests get after SIGTERM (server.shutdown_grace_s)");
  cmd->add_option("-t,--threads", options->threads, "compute threads per model (engine.threads)");
  cmd->add_option("--kv-cache-type", options->kv_cache_type,
                  "KV cache element type: f16 or q8_0 (engine.kv_cache_type)");
  cmd->add_flag("--tls-self-signed", options->tls_self_signed,
                "HTTPS with a throw-away self-signed certificate made in memory (tls.self_signed)");
  cmd->callback([options, &result] { result.status = RunServe(*options); });
}

}  // namespace citadel::cli
