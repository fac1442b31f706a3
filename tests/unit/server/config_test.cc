// Settings: defaults, TOML file < environment < command line, and the
// start-up errors for unknown names and bad values.
#include "server/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace citadel::server {
namespace {

std::string WriteTemp(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / name;
  std::ofstream(path) << text;
  return path.string();
}

TEST(SettingsTest, DefaultsAreEmbedded) {
  Settings s = Settings::Defaults();
  EXPECT_EQ(s.GetString("server.host"), "127.0.0.1");
  EXPECT_EQ(s.GetInt("server.port"), 8080);
  EXPECT_TRUE(s.GetList("model.paths").empty());
  EXPECT_EQ(s.SourceOf("server.port"), SettingSource::kDefault);
}

TEST(SettingsTest, LaterSourcesWin) {
  const std::string file = WriteTemp("citadel_config_test.toml",
                                     "[server]\nport = 9000\nhost = \"0.0.0.0\"\n"
                                     "[engine]\nmax_running = 3\n");
  SettingsSources sources;
  sources.config_file = file;
  sources.environment = {"CITADEL_SERVER_PORT=9001", "CITADEL_ENGINE_MAX_QUEUE=7", "PATH=/bin"};
  sources.flags = {{"server.port", "9002"}};
  sources.assignments = {"engine.max_queue=8"};
  auto s = ResolveSettings(sources);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->GetInt("server.port"), 9002);
  EXPECT_EQ(s->SourceOf("server.port"), SettingSource::kCommandLine);
  EXPECT_EQ(s->GetString("server.host"), "0.0.0.0");
  EXPECT_EQ(s->SourceOf("server.host"), SettingSource::kFile);
  EXPECT_EQ(s->GetInt("engine.max_running"), 3);
  EXPECT_EQ(s->GetInt("engine.max_queue"), 8);
}

TEST(SettingsTest, EnvironmentBeatsFile) {
  Settings s = Settings::Defaults();
  ASSERT_TRUE(s.LoadTomlString("server.port = 9000\n", "inline").ok());
  ASSERT_TRUE(s.ApplyEnvironment({"CITADEL_SERVER_PORT=9100"}).ok());
  EXPECT_EQ(s.GetInt("server.port"), 9100);
  EXPECT_EQ(s.SourceOf("server.port"), SettingSource::kEnvironment);
}

TEST(SettingsTest, EnvironmentNameIsUpperCasedWithUnderscores) {
  EXPECT_EQ(Settings::EnvironmentName("server.port"), "CITADEL_SERVER_PORT");
  EXPECT_EQ(Settings::EnvironmentName("engine.max_running"), "CITADEL_ENGINE_MAX_RUNNING");
}

TEST(SettingsTest, UnknownNamesAreErrorsNamingThem) {
  Settings s = Settings::Defaults();
  Status set = s.SetAssignment("server.prot=1", SettingSource::kCommandLine);
  EXPECT_EQ(set.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(set.message().find("server.prot"), std::string::npos);
  Status file = s.LoadTomlString("[server]\nbogus = 1\n", "f.toml");
  EXPECT_NE(file.message().find("server.bogus"), std::string::npos);
  Status env = s.ApplyEnvironment({"CITADEL_ENGINE_MAX_RUNNIN=2"});
  EXPECT_NE(env.message().find("CITADEL_ENGINE_MAX_RUNNIN"), std::string::npos);
  // CITADEL_ variables outside the settings' sections are not ours to judge.
  EXPECT_TRUE(s.ApplyEnvironment({"CITADEL_SHARED_DIR=/x"}).ok());
}

TEST(SettingsTest, BadValuesAreErrorsNamingTheSetting) {
  Settings s = Settings::Defaults();
  for (const char* assignment : {"server.port=abc", "server.port=70000", "server.port=-1",
                                 "server.log_content=maybe", "engine.max_running=0"}) {
    Status status = s.SetAssignment(assignment, SettingSource::kCommandLine);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << assignment;
    const std::string name = std::string(assignment).substr(0, std::string(assignment).find('='));
    EXPECT_NE(status.message().find(name), std::string::npos) << status.message();
  }
  EXPECT_EQ(s.GetInt("server.port"), 8080);  // failed sets change nothing
  Status typed = s.LoadTomlString("[server]\nport = \"8080\"\n", "f.toml");
  EXPECT_NE(typed.message().find("server.port"), std::string::npos);
  Status syntax = s.LoadTomlString("[server\n", "f.toml");
  EXPECT_NE(syntax.message().find("f.toml:1"), std::string::npos) << syntax.message();
}

TEST(SettingsTest, MissingConfigFileIsNotFound) {
  Settings s = Settings::Defaults();
  EXPECT_EQ(s.LoadTomlFile("/nonexistent/citadel.toml").code(), StatusCode::kNotFound);
}

TEST(SettingsTest, ListsFromTomlArraysAndCommaSeparatedText) {
  Settings s = Settings::Defaults();
  ASSERT_TRUE(s.LoadTomlString("[model]\npaths = [\"a.gguf\", \"b.gguf\"]\n", "f").ok());
  EXPECT_EQ(s.GetList("model.paths"), (std::vector<std::string>{"a.gguf", "b.gguf"}));
  ASSERT_TRUE(s.Set("model.aliases", "x, y", SettingSource::kEnvironment).ok());
  EXPECT_EQ(s.GetList("model.aliases"), (std::vector<std::string>{"x", "y"}));
}

TEST(SettingsTest, DescribeMasksSecretsAndNamesSources) {
  Settings s = Settings::Defaults();
  ASSERT_TRUE(s.Set("store.url", "postgres://u:very-secret@db/c", SettingSource::kEnvironment,
                    "CITADEL_STORE_URL")
                  .ok());
  bool seen = false;
  for (const SettingEntry& e : s.Describe()) {
    if (e.name != "store.url") continue;
    seen = true;
    EXPECT_EQ(e.value.find("secret"), std::string::npos);
    EXPECT_EQ(e.value, "********");
    EXPECT_EQ(e.source, SettingSource::kEnvironment);
    EXPECT_EQ(e.origin, "CITADEL_STORE_URL");
  }
  EXPECT_TRUE(seen);
}

TEST(SettingsTest, TheRemovedServerApiKeyPointsToStoreKeys) {
  Settings s = Settings::Defaults();
  const Status set = s.Set("server.api_key", "x", SettingSource::kCommandLine, "--set");
  EXPECT_EQ(set.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(set.message().find("citadel keys create"), std::string::npos) << set.message();
  const Status env = s.ApplyEnvironment({"CITADEL_SERVER_API_KEY=x"});
  EXPECT_NE(env.message().find("citadel keys create"), std::string::npos) << env.message();
  EXPECT_EQ(s.GetString("auth.mode"), "keys");
  EXPECT_FALSE(s.GetBool("metrics.require_key"));
}

}  // namespace
}  // namespace citadel::server
