// A ServerState under auth.mode = keys over a real SQLite store in a fresh
// temporary folder (removed after the test), its key authenticator reading
// the test's ManualClock, and the model registry ready (without models).
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "security/key_authenticator.h"
#include "server/server_state.h"
#include "store/store_url.h"
#include "util/clock.h"

namespace citadel::server {

class KeyedServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "citadel-keyed-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    auto store = store::OpenStore("sqlite:" + dir_ + "/citadel.db");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    state_.store = std::move(store).value();
    state_.keys = std::make_unique<security::KeyAuthenticator>(*state_.store, clock_);
    state_.access.mode = AuthMode::kKeys;
    state_.models.SetState(ModelRegistry::State::kReady);
  }
  void TearDown() override {
    state_.keys.reset();
    state_.store.reset();
    std::filesystem::remove_all(dir_);
  }

  std::string dir_;
  ManualClock clock_{1700000000};
  ServerState state_;
};

}  // namespace citadel::server
