// `citadel users add NAME [--display-name D] [--role admin|user|auditor] [--password-stdin]`
// `citadel users list|show NAME|disable NAME|enable NAME|passwd NAME [--password-stdin]`
// All take --data-dir, --config, --set store.url=... and --json. Without
// --password-stdin, add and passwd generate a password and print it once.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/command.h"
#include "cli/store_access.h"
#include "security/password_hasher.h"
#include "server/admin_json.h"
#include "util/clock.h"

namespace citadel::cli {
namespace {

struct UsersOptions {
  StoreFlags store;
  std::string name;
  std::string display_name;
  std::string role = "user";
  bool password_stdin = false;
};

void PrintUser(const store::User& user, bool json, const std::string& password = "") {
  if (json) {
    const nlohmann::ordered_json out = server::UserJson(user, password);
    std::printf("%s\n", out.dump(2).c_str());
    return;
  }
  std::printf("%-6lld %-20s %-8s %-9s %s\n", static_cast<long long>(user.id), user.name.c_str(),
              std::string(store::RoleName(user.role)).c_str(),
              user.disabled ? "disabled" : "active", user.display_name.c_str());
  if (!password.empty()) {
    std::printf("password: %s  (shown once)\n", password.c_str());
  }
}

// The password from stdin, or a generated one (returned in `generated`).
Result<std::string> PasswordFor(const UsersOptions& o, std::string& generated) {
  if (o.password_stdin) return ReadPasswordLine();
  CITADEL_ASSIGN_OR_RETURN(generated, security::RandomPassword());
  return generated;
}

Status RunUsers(const std::string& action, const UsersOptions& o) {
  CITADEL_ASSIGN_OR_RETURN(auto store, OpenStoreFromFlags(o.store));
  SystemClock clock;
  if (action == "list") {
    CITADEL_ASSIGN_OR_RETURN(auto users, store->ListUsers());
    if (o.store.json) {
      nlohmann::ordered_json out = nlohmann::ordered_json::array();
      for (const store::User& user : users) out.push_back(server::UserJson(user));
      std::printf("%s\n", out.dump(2).c_str());
      return OkStatus();
    }
    for (const store::User& user : users) PrintUser(user, false);
    return OkStatus();
  }
  if (action == "add") {
    CITADEL_ASSIGN_OR_RETURN(const store::Role role, store::ParseRole(o.role));
    std::string generated;
    CITADEL_ASSIGN_OR_RETURN(const std::string password, PasswordFor(o, generated));
    CITADEL_ASSIGN_OR_RETURN(const std::string hash, security::HashPassword(password));
    CITADEL_ASSIGN_OR_RETURN(
        auto user, store->CreateUser({o.name, o.display_name, role, hash, clock.UnixSeconds()}));
    PrintUser(user, o.store.json, generated);
    return OkStatus();
  }
  if (action == "passwd") {
    std::string generated;
    CITADEL_ASSIGN_OR_RETURN(const std::string password, PasswordFor(o, generated));
    CITADEL_ASSIGN_OR_RETURN(const std::string hash, security::HashPassword(password));
    CITADEL_ASSIGN_OR_RETURN(auto user, store->SetUserPassword(o.name, hash));
    PrintUser(user, o.store.json, generated);
    return OkStatus();
  }
  Result<store::User> user = action == "show" ? store->FindUser(o.name)
                                              : store->SetUserDisabled(o.name, action == "disable");
  CITADEL_TRY(user.status());
  PrintUser(*user, o.store.json);
  return OkStatus();
}

}  // namespace

void RegisterUsersCommand(CLI::App& app, CommandResult& result) {
  auto options = std::make_shared<UsersOptions>();
  CLI::App* cmd = app.add_subcommand("users", "Manage users (admin, user, auditor)");
  cmd->require_subcommand(1);
  const auto action = [&](const std::string& name, const std::string& help, bool takes_name) {
    CLI::App* sub = cmd->add_subcommand(name, help);
    AddStoreFlags(sub, options->store);
    if (takes_name) sub->add_option("name", options->name, "user name")->required();
    sub->callback([options, &result, name] { result.status = RunUsers(name, *options); });
    return sub;
  };
  CLI::App* add = action("add", "Create a user", true);
  add->add_option("--display-name", options->display_name, "name shown in the web page");
  add->add_option("--role", options->role, "admin, user or auditor (default user)");
  add->add_flag("--password-stdin", options->password_stdin, "read the password from stdin");
  action("list", "List users", false);
  action("show", "Show one user", true);
  action("disable", "Disable a user (their keys stop working)", true);
  action("enable", "Enable a user again", true);
  action("passwd", "Set a user's password", true)
      ->add_flag("--password-stdin", options->password_stdin, "read the password from stdin");
}

}  // namespace citadel::cli
