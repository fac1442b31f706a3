// End-to-end tests of `citadel users` and `citadel keys` on a real SQLite
// store: what an operator does to hand out and withdraw credentials.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "test_support.h"

namespace citadel {
namespace {

namespace fs = std::filesystem;
using testing::RunResult;

class UsersKeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("citadel_users_keys_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "scratch");
    data_ = "--data-dir '" + (dir_ / "data").string() + "'";
  }
  void TearDown() override { fs::remove_all(dir_); }

  RunResult Run(const std::string& args, const std::string& env = "") {
    return testing::RunCitadel(args + " " + data_, dir_ / "scratch", env);
  }

  fs::path dir_;
  std::string data_;
};

TEST_F(UsersKeysTest, FirstUseCreatesAnAdminWithAPasswordShownOnce) {
  RunResult first = Run("users list --json");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.err.find("created user 'admin' with password "), std::string::npos) << first.err;
  auto users = nlohmann::json::parse(first.out);
  ASSERT_EQ(users.size(), 1u);
  EXPECT_EQ(users[0]["name"], "admin");
  EXPECT_EQ(users[0]["role"], "admin");
  EXPECT_FALSE(users[0].contains("password_hash"));
  RunResult second = Run("users list");
  EXPECT_EQ(second.err.find("created user"), std::string::npos);
}

TEST_F(UsersKeysTest, KeysAreCreatedShownOnceListedAndRevoked) {
  ASSERT_EQ(Run("users add carol --role user --display-name 'Carol \"C\" 🦙'",
                "CITADEL_ADMIN_PASSWORD=bootstrap-secret")
                .exit_code,
            0);
  RunResult created =
      Run("keys create --name 'ci pipeline' --user carol --scopes chat,models:read --models a,b "
          "--rpm 100 --tpm 5000 --streams 2 --expires 90d --json");
  ASSERT_EQ(created.exit_code, 0) << created.err;
  auto key = nlohmann::json::parse(created.out);
  const std::string secret = key["key"];
  EXPECT_TRUE(secret.starts_with("cit_"));
  EXPECT_EQ(secret.size(), 47u);
  EXPECT_EQ(key["prefix"], secret.substr(0, 12));
  EXPECT_EQ(key["owner"], "carol");
  EXPECT_EQ(key["scopes"], nlohmann::json({"chat", "models:read"}));
  EXPECT_EQ(key["models"], nlohmann::json({"a", "b"}));
  EXPECT_EQ(key["limits"]["rpm"], 100);
  EXPECT_EQ(key["limits"]["streams"], 2);
  EXPECT_GT(key["expires_at"].get<std::int64_t>(), key["created_at"].get<std::int64_t>());

  RunResult listed = Run("keys list --json");
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_EQ(listed.out.find(secret), std::string::npos) << "the key is shown only once";
  EXPECT_EQ(nlohmann::json::parse(listed.out).size(), 1u);
  const std::string id = std::to_string(key["id"].get<int>());
  RunResult revoked = Run("keys revoke " + id + " --json");
  ASSERT_EQ(revoked.exit_code, 0) << revoked.err;
  EXPECT_EQ(nlohmann::json::parse(revoked.out)["revoked"], true);
  EXPECT_EQ(nlohmann::json::parse(Run("keys show " + id + " --json").out)["revoked"], true);
  auto users = nlohmann::json::parse(Run("users show carol --json").out);
  EXPECT_EQ(users["display_name"], "Carol \"C\" 🦙");
}

TEST_F(UsersKeysTest, BadInputIsOneClearLineAndExitOne) {
  const auto fails = [&](const std::string& args, const std::string& expect) {
    RunResult r = Run(args, "CITADEL_ADMIN_PASSWORD=bootstrap-secret");
    EXPECT_EQ(r.exit_code, 1) << args;
    EXPECT_NE(r.err.find(expect), std::string::npos) << args << ": " << r.err;
  };
  fails("keys create --name x --scopes root", "unknown scope 'root'");
  fails("keys create --name x --scopes chat --expires 5y", "key lifetime '5y'");
  fails("keys create --name x --scopes chat --user nobody", "user 'nobody' does not exist");
  fails("keys revoke 999", "API key id 999 does not exist");
  fails("users add dave --role god", "unknown role 'god'");
  ASSERT_EQ(Run("users add erin", "CITADEL_ADMIN_PASSWORD=bootstrap-secret").exit_code, 0);
  fails("users add erin", "user 'erin' already exists");
  fails("users list --set store.url=mysql://x", "neither sqlite:PATH nor postgres://");
}

TEST_F(UsersKeysTest, ACorruptStoreFileIsAClearStartUpError) {
  fs::create_directories(dir_ / "data");
  std::ofstream(dir_ / "data" / "citadel.db") << std::string(4096, 'x');
  RunResult r = Run("keys list");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("not a valid SQLite database"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace citadel
