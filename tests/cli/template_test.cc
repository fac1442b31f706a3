// End-to-end tests of `citadel template`: what an operator sees when checking
// a chat template before serving a model.
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
using Json = nlohmann::ordered_json;

class TemplateCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("citadel_template_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path Write(const std::string& name, const std::string& text) {
    fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  // Runs `citadel template ARGS` under a 60 s timeout (a hang fails as exit 124).
  RunResult Template(const std::string& args) {
    return testing::RunCitadel("template " + args, dir_);
  }

  fs::path dir_;
};

constexpr const char* kTemplate =
    "{{ bos_token }}{% for m in messages %}<{{ m.role }}>{{ m.content }}</{{ m.role }}>{% endfor %}"
    "{% if tools is defined %}[tools:{{ tools | map(attribute='function.name') | join(',') }}]{% "
    "endif %}"
    "{% if add_generation_prompt %}<assistant>{% endif %}";

TEST_F(TemplateCommandTest, RendersAMessagesFileWithATemplateFile) {
  fs::path tmpl = Write("t.jinja", kTemplate);
  fs::path messages = Write("m.json", R"([{"role":"system","content":"Be brief."},
      {"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}])");
  RunResult r =
      Template("--template-file '" + tmpl.string() + "' --messages '" + messages.string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "<system>Be brief.</system><user>a\nb</user><assistant>\n");
  EXPECT_EQ(r.err, "");
}

TEST_F(TemplateCommandTest, JsonOutputToolsAndNoGenerationPrompt) {
  fs::path tmpl = Write("t.jinja", kTemplate);
  fs::path messages = Write("m.json", R"({"messages":[{"role":"user","content":"Weather?"}]})");
  fs::path tools =
      Write("tools.json", R"([{"type":"function","function":{"name":"get_weather"}}])");
  RunResult r =
      Template("--template-file '" + tmpl.string() + "' --messages '" + messages.string() +
               "' --tools '" + tools.string() + "' --no-generation-prompt --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json out = Json::parse(r.out);
  EXPECT_EQ(out["prompt"], "<user>Weather?</user>[tools:get_weather]");
}

TEST_F(TemplateCommandTest, TemplateErrorsAreOneLineWithThePosition) {
  fs::path bad_syntax = Write("bad.jinja", "ok\n{% if %}");
  RunResult r = Template("--template-file '" + bad_syntax.string() + "'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("line 2, column 7"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
  fs::path raising = Write("raise.jinja", "{{ raise_exception('roles must alternate') }}");
  r = Template("--template-file '" + raising.string() + "'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("roles must alternate"), std::string::npos) << r.err;
}

TEST_F(TemplateCommandTest, BadInputFilesFailCleanly) {
  fs::path tmpl = Write("t.jinja", kTemplate);
  fs::path not_json = Write("m.json", "[{\"role\": ");
  RunResult r =
      Template("--template-file '" + tmpl.string() + "' --messages '" + not_json.string() + "'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("not valid JSON"), std::string::npos) << r.err;
  fs::path no_role = Write("n.json", R"([{"content":"x"}])");
  r = Template("--template-file '" + tmpl.string() + "' --messages '" + no_role.string() + "'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("messages[0]"), std::string::npos) << r.err;
  r = Template("-m '" + (dir_ / "missing.gguf").string() + "'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_FALSE(r.err.empty());
}

TEST_F(TemplateCommandTest, ModelWithoutTemplateGetsChatMl) {
  CITADEL_REQUIRE_SHARED();
  fs::path model = testing::SharedDir() / "models" / "stories260K.gguf";
  RunResult r = Template("-m '" + model.string() + "' --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json out = Json::parse(r.out);
  EXPECT_EQ(out["prompt"],
            "<|im_start|>system\nYou are a helpful "
            "assistant.<|im_end|>\n<|im_start|>user\nHello!<|im_end|>\n"
            "<|im_start|>assistant\n");
}

TEST_F(TemplateCommandTest, ModelTokensAndDateReachTheTemplate) {
  CITADEL_REQUIRE_SHARED();
  fs::path model = testing::SharedDir() / "models" / "stories260K.gguf";
  fs::path tmpl =
      Write("t.jinja", "{{ bos_token }}|{{ eos_token }}|{{ strftime_now('%Y') | length }}");
  RunResult r = Template("-m '" + model.string() + "' --template-file '" + tmpl.string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "<s>|</s>|4\n");
}

}  // namespace
}  // namespace citadel
