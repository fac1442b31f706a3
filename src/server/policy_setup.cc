#include "server/policy_setup.h"

namespace citadel::server {
namespace {

// The setting's value, or the profile's when the setting was not given.
const std::string& Effective(const Settings& settings, std::string_view name,
                             const std::string& profile_value) {
  return settings.SourceOf(name) == SettingSource::kDefault ? profile_value
                                                            : settings.GetString(name);
}

}  // namespace

Result<std::unique_ptr<security::PolicyEnforcer>> PolicyFromSettings(const Settings& settings) {
  CITADEL_ASSIGN_OR_RETURN(const security::ProfileDefaults profile,
                           security::ProfileDefaultsOf(settings.GetString("policy.profile")));
  security::PolicyConfig config;
  for (const std::string& entry : settings.GetList("pii.custom")) {
    const std::size_t eq = entry.find('=');
    if (eq == std::string::npos || eq == 0) {
      return InvalidArgumentError("setting pii.custom: '" + entry + "' is not NAME=REGEX");
    }
    config.pii.custom.push_back({entry.substr(0, eq), entry.substr(eq + 1)});
  }
  CITADEL_ASSIGN_OR_RETURN(config.dlp,
                           security::ParseDlpMode(Effective(settings, "dlp.mode", profile.dlp)));
  CITADEL_ASSIGN_OR_RETURN(
      config.input, security::ParseInputAction(Effective(settings, "policy.input", profile.input)));
  CITADEL_ASSIGN_OR_RETURN(config.output, security::ParseOutputAction(Effective(
                                              settings, "policy.output", profile.output)));
  config.words_file = settings.GetString("policy.words_file");
  return security::PolicyEnforcer::Create(std::move(config));
}

}  // namespace citadel::server
