// `citadel run` end to end: the chat goes through the Engine and the
// runtime's ChatPrompt, greedy replies are reproducible, a conversation that
// outgrows the context ends the turn and not the chat, and a chat template
// that does not parse gives one warning line (the same one `generate` and
// `serve` give) and falls back to ChatML.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "model/synthetic_model.h"
#include "test_support.h"

namespace citadel {
namespace {

namespace fs = std::filesystem;
using testing::RunResult;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

class RunCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("citadel_run_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A tiny seeded model; `chat_template` set when non-empty.
  std::string Model(const std::string& name, const std::string& chat_template = "") {
    model::SyntheticSpec spec;
    spec.context_length = 512;
    auto writer = model::BuildSyntheticModel(spec, nullptr, nullptr);
    EXPECT_TRUE(writer.ok()) << writer.status().ToString();
    if (!chat_template.empty()) writer->SetString("tokenizer.chat_template", chat_template);
    const std::string path = (dir_ / name).string();
    EXPECT_TRUE(writer->WriteFile(path).ok());
    return path;
  }

  // `citadel run` with `input` on stdin.
  RunResult Chat(const std::string& args, const std::string& input) {
    const fs::path stdin_path = dir_ / "stdin";
    std::ofstream(stdin_path) << input;
    return testing::RunCitadel(args + " < '" + stdin_path.string() + "'", dir_);
  }

  fs::path dir_;
};

TEST_F(RunCommandTest, GreedyTurnsAreReproducibleAndEachPrintsAReply) {
  const std::string model = Model("chat.gguf");
  const std::string args = "run " + model + " --temp 0 -n 6 -t 1";
  const RunResult first = Chat(args, "hello\nand again\n/bye\n");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const std::vector<std::string> replies = Lines(first.out);
  ASSERT_EQ(replies.size(), 2u) << first.out;
  EXPECT_FALSE(replies[0].empty());
  EXPECT_FALSE(replies[1].empty());
  const RunResult second = Chat(args, "hello\nand again\n/bye\n");
  EXPECT_EQ(second.out, first.out);
  // /clear forgets the first turn: the next "hello" gets the first reply again.
  const RunResult cleared = Chat(args, "hello\n/clear\nhello\n");
  ASSERT_EQ(cleared.exit_code, 0) << cleared.err;
  const std::vector<std::string> again = Lines(cleared.out);
  ASSERT_EQ(again.size(), 2u) << cleared.out;
  EXPECT_EQ(again[0], replies[0]);
  EXPECT_EQ(again[1], replies[0]);
}

TEST_F(RunCommandTest, AConversationThatOutgrowsTheContextEndsTheTurnNotTheChat) {
  const std::string model = Model("small.gguf");
  std::string long_text;
  for (int i = 0; i < 100; ++i) long_text += "t3" + std::to_string(10 + i) + " ";
  const RunResult r = Chat("run " + model + " --temp 0 -n 4 -t 1 -c 96", long_text + "\nhi\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("no longer fits the context; use /clear"), std::string::npos) << r.err;
  EXPECT_EQ(Lines(r.out).size(), 1u) << "the short turn still gets its reply: " << r.out;
}

TEST_F(RunCommandTest, AnUnparsableTemplateWarnsOnceAndFallsBackToChatMl) {
  const std::string broken = Model("broken.gguf", "{% for m in messages %}{{ m.content }");
  const std::string plain = Model("plain.gguf");
  const RunResult r = Chat("run " + broken + " --temp 0 -n 6 -t 1", "hello\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> err = Lines(r.err);
  ASSERT_EQ(err.size(), 1u) << r.err;
  EXPECT_EQ(err[0].rfind("citadel: warning: " + broken + ": chat template does not parse", 0), 0u)
      << err[0];
  EXPECT_NE(err[0].find("using ChatML"), std::string::npos) << err[0];
  // ChatML stands in: the same reply as a model that ships no template.
  const RunResult chatml = Chat("run " + plain + " --temp 0 -n 6 -t 1", "hello\n");
  ASSERT_EQ(chatml.exit_code, 0) << chatml.err;
  EXPECT_EQ(r.out, chatml.out);
  EXPECT_TRUE(chatml.err.empty()) << chatml.err;
  // `generate` loads through the same runtime and says the same line.
  const RunResult gen =
      testing::RunCitadel("generate -m " + broken + " -p hello -n 2 --temp 0 -t 1", dir_);
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  EXPECT_EQ(Lines(gen.err), err);
}

}  // namespace
}  // namespace citadel
