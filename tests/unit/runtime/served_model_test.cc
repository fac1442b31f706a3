#include "runtime/served_model.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "unit/runtime/synthetic_file.h"

namespace citadel::runtime {
namespace {

engine::EngineOptions SmallEngine() {
  engine::EngineOptions options;
  options.max_running = 1;
  options.context_length = 128;
  return options;
}

TEST(ServedModelTest, LoadsTheWholeStackUnderTheFileStem) {
  SyntheticFile file("citadel_served_model_test");
  auto served = LoadServedModel({file.path(), ""}, SmallEngine(), 1);
  ASSERT_TRUE(served.ok()) << served.status().ToString();
  EXPECT_EQ((*served)->id, DefaultModelId(file.path()));
  EXPECT_EQ((*served)->path, file.path());
  EXPECT_GT((*served)->created, 0);
  EXPECT_EQ((*served)->tokenizer->vocab_size(), (*served)->model->config().vocab_size);
  EXPECT_EQ((*served)->engine->layout().context_length, 128);
}

TEST(ServedModelTest, AnAliasNamesTheModel) {
  SyntheticFile file("citadel_served_model_alias_test");
  auto served = LoadServedModel({file.path(), "tiny"}, SmallEngine(), 1);
  ASSERT_TRUE(served.ok()) << served.status().ToString();
  EXPECT_EQ((*served)->id, "tiny");
}

TEST(ServedModelTest, AnUnparsableTemplateIsOneWarningAndTheModelStillLoads) {
  SyntheticFile file("citadel_served_model_template_test", [](gguf::GgufWriter& w) {
    w.SetString("tokenizer.chat_template", "{% if messages %}unclosed");
  });
  std::vector<std::string> warnings;
  auto served = LoadServedModel({file.path(), ""}, SmallEngine(), 1,
                                [&](std::string_view line) { warnings.emplace_back(line); });
  ASSERT_TRUE(served.ok()) << served.status().ToString();
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find(file.path()), std::string::npos) << warnings[0];
  EXPECT_TRUE((*served)->prompt.fell_back_to_chatml());
}

TEST(ServedModelTest, AMissingFileIsNotFoundNamingThePath) {
  const std::string path = "/nonexistent/citadel/model.gguf";
  auto stack = LoadModelStack(path, model::LoadOptions{});
  ASSERT_FALSE(stack.ok());
  EXPECT_EQ(stack.status().code(), StatusCode::kNotFound);
  EXPECT_NE(stack.status().message().find(path), std::string::npos) << stack.status().message();
  auto served = LoadServedModel({path, ""}, SmallEngine(), 1);
  ASSERT_FALSE(served.ok());
  EXPECT_EQ(served.status().code(), StatusCode::kNotFound);
}

TEST(ServedModelTest, AFileThatIsNotGgufIsRefusedNamingThePath) {
  const std::string path =
      (std::filesystem::temp_directory_path() / "citadel_not_a_model.gguf").string();
  std::ofstream(path) << "this is not a GGUF file, just text long enough to read a header";
  auto stack = LoadModelStack(path, model::LoadOptions{});
  std::filesystem::remove(path);
  ASSERT_FALSE(stack.ok());
  EXPECT_NE(stack.status().code(), StatusCode::kOk);
  EXPECT_NE(stack.status().message().find(path), std::string::npos) << stack.status().message();
}

TEST(ServedModelTest, BadEngineOptionsAreRefused) {
  SyntheticFile file("citadel_served_model_options_test");
  engine::EngineOptions options = SmallEngine();
  options.block_tokens = 7;
  auto served = LoadServedModel({file.path(), ""}, options, 1);
  ASSERT_FALSE(served.ok());
  EXPECT_EQ(served.status().code(), StatusCode::kInvalidArgument);
}

TEST(ServedModelTest, KvCacheTypesParseByTheirFlagSpelling) {
  auto q8 = ParseKvCacheType("q8_0");
  ASSERT_TRUE(q8.ok());
  EXPECT_EQ(KvCacheTypeName(*q8), "q8_0");
  auto bad = ParseKvCacheType("q4_0");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
}

TEST(ServedModelTest, TheDefaultIdIsTheFileStem) {
  EXPECT_EQ(DefaultModelId("/models/llama-3.2-1b.Q4_0.gguf"), "llama-3.2-1b.Q4_0");
  EXPECT_EQ(DefaultModelId("plain"), "plain");
}

}  // namespace
}  // namespace citadel::runtime
