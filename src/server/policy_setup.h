// The content policy of `serve` from its settings (pii.custom, dlp.mode,
// policy.profile, policy.words_file, policy.input, policy.output): a setting
// left at its default takes the profile's value.
#pragma once

#include <memory>

#include "security/policy_enforcer.h"
#include "server/config.h"
#include "util/status.h"

namespace citadel::server {

// InvalidArgument naming the setting for a bad value or custom pattern;
// NotFound / InvalidArgument naming the words file when it cannot be loaded.
Result<std::unique_ptr<security::PolicyEnforcer>> PolicyFromSettings(const Settings& settings);

}  // namespace citadel::server
