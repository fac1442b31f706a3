// End-to-end tests of `citadel config show` and of `citadel serve` refusing
// to start on a bad setting: what an operator sees when configuring a server.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "test_support.h"

namespace citadel {
namespace {

namespace fs = std::filesystem;
using testing::RunResult;

class ConfigShowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("citadel_config_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs `ENV citadel ARGS` under a 60 s timeout.
  RunResult Run(const std::string& env, const std::string& args) {
    return testing::RunCitadel(args, dir_, env);
  }

  fs::path dir_;
};

TEST_F(ConfigShowTest, ShowsEffectiveValuesAndTheirSources) {
  const fs::path file = dir_ / "citadel.toml";
  std::ofstream(file) << "[server]\nport = 9000\nhost = \"0.0.0.0\"\n"
                         "[store]\nurl = \"postgres://u:sk-hidden@db/citadel\"\n"
                         "[engine]\nmax_running = 3\n";
  RunResult r = Run("CITADEL_SERVER_PORT=9001", "config show --json --config '" + file.string() +
                                                    "' --set engine.max_running=5");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["server.port"]["value"], "9001");
  EXPECT_EQ(j["server.port"]["source"], "env");
  EXPECT_EQ(j["server.port"]["env"], "CITADEL_SERVER_PORT");
  EXPECT_EQ(j["server.host"]["value"], "0.0.0.0");
  EXPECT_EQ(j["server.host"]["source"], "file");
  EXPECT_EQ(j["engine.max_running"]["value"], "5");
  EXPECT_EQ(j["engine.max_running"]["source"], "command line");
  EXPECT_EQ(j["server.read_timeout_s"]["source"], "default");
  EXPECT_EQ(r.out.find("sk-hidden"), std::string::npos) << "secret printed";
  RunResult text = Run("", "config show --config '" + file.string() + "'");
  ASSERT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("server.port = 9000"), std::string::npos) << text.out;
  EXPECT_EQ(text.out.find("sk-hidden"), std::string::npos);
}

TEST_F(ConfigShowTest, UnknownNamesAndBadValuesStopWithOneLineNamingThem) {
  for (const auto& [env, args, name] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"", "config show --set server.prot=1", "server.prot"},
           {"CITADEL_ENGINE_MAX_RUNING=2", "config show", "CITADEL_ENGINE_MAX_RUNING"},
           {"", "serve --port 70000", "server.port"},
           {"", "serve --set server.log_content=perhaps", "server.log_content"},
       }) {
    RunResult r = Run(env, args);
    EXPECT_NE(r.exit_code, 0) << args;
    EXPECT_NE(r.err.find(name), std::string::npos) << args << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

}  // namespace
}  // namespace citadel
