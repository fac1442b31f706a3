// End to end below HTTP: a tiny synthetic model served through the router,
// jobs driven the way a connection drives them (notify -> Poll).
#include <gtest/gtest.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

#include "model/synthetic_model.h"
#include "runtime/served_model.h"
#include "server/handlers.h"
#include "server/router.h"

namespace citadel::server {
namespace {

using Json = nlohmann::json;

// Wakes the test thread when a job's streams have events. Shared with the
// engine thread, which may call notify after the test has read the final
// event, hence owned by a shared_ptr rather than the test's stack.
struct Signal {
  std::mutex mu;
  std::condition_variable cv;
  bool ready = false;

  static std::function<void()> NotifierFor(const std::shared_ptr<Signal>& signal) {
    return [signal] {
      std::lock_guard lock(signal->mu);
      signal->ready = true;
      signal->cv.notify_one();
    };
  }
  bool Wait() {
    std::unique_lock lock(mu);
    const bool woke = cv.wait_for(lock, std::chrono::seconds(30), [&] { return ready; });
    ready = false;
    return woke;
  }
};

class GenerationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    path_ = new std::string((std::filesystem::temp_directory_path() /
                             ("citadel_server_test_" + std::to_string(getpid()) + ".gguf"))
                                .string());
    model::SyntheticSpec spec;
    spec.context_length = 256;
    auto writer = model::BuildSyntheticModel(spec, nullptr, nullptr);
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
    ASSERT_TRUE(writer->WriteFile(*path_).ok());
  }
  static void TearDownTestSuite() {
    std::filesystem::remove(*path_);
    delete path_;
  }

  void SetUp() override {
    engine::EngineOptions options;
    options.max_running = 4;
    options.context_length = 256;
    options.max_queue = 2;
    auto served = runtime::LoadServedModel({*path_, "tiny"}, options, 1);
    ASSERT_TRUE(served.ok()) << served.status().ToString();
    state_.models.Add(std::move(served).value());
    state_.models.SetState(ModelRegistry::State::kReady);
  }

  // Routes a POST and, for a job, drives it to completion.
  struct Answer {
    int status = 0;
    std::string body;                 // non-streaming
    std::vector<std::string> frames;  // streaming
  };
  Answer Post(const std::string& path, const std::string& body) {
    HttpRequest request{"POST", path, body, "", "test"};
    RouteResult routed = Route(state_, request);
    Answer answer;
    if (!routed.job) {
      answer.status = routed.response.status;
      answer.body = routed.response.body;
      return answer;
    }
    auto signal = std::make_shared<Signal>();
    routed.job->SetNotify(Signal::NotifierFor(signal));
    for (;;) {
      JobOutput out = routed.job->Poll();
      for (std::string& f : out.frames) answer.frames.push_back(std::move(f));
      if (out.done) {
        answer.status = out.response ? out.response->status : 200;
        if (out.response) answer.body = out.response->body;
        return answer;
      }
      EXPECT_TRUE(signal->Wait());
    }
  }

  static std::string* path_;
  ServerState state_;
};

std::string* GenerationTest::path_ = nullptr;

const char* kGreedy =
    R"({"model":"tiny","messages":[{"role":"user","content":"hello"}],"max_tokens":12,"temperature":0)";

TEST_F(GenerationTest, ChatCompletionHasUsageThatAddsUp) {
  Answer a = Post("/v1/chat/completions", std::string(kGreedy) + "}");
  ASSERT_EQ(a.status, 200) << a.body;
  const Json body = Json::parse(a.body);
  EXPECT_EQ(body["object"], "chat.completion");
  EXPECT_EQ(body["model"], "tiny");
  const Json& usage = body["usage"];
  EXPECT_GT(usage["prompt_tokens"].get<int>(), 0);
  EXPECT_EQ(usage["total_tokens"].get<int>(),
            usage["prompt_tokens"].get<int>() + usage["completion_tokens"].get<int>());
  if (body["choices"][0]["finish_reason"] == "length") EXPECT_EQ(usage["completion_tokens"], 12);
}

TEST_F(GenerationTest, StreamedTextEqualsTheWholeAnswer) {
  Answer whole = Post("/v1/chat/completions", std::string(kGreedy) + "}");
  Answer streamed =
      Post("/v1/chat/completions",
           std::string(kGreedy) + R"(,"stream":true,"stream_options":{"include_usage":true}})");
  ASSERT_EQ(streamed.status, 200);
  ASSERT_GE(streamed.frames.size(), 3u);
  EXPECT_EQ(streamed.frames.back(), "data: [DONE]\n\n");
  std::string text;
  Json usage;
  for (size_t i = 0; i + 1 < streamed.frames.size(); ++i) {
    const std::string& frame = streamed.frames[i];
    ASSERT_EQ(frame.rfind("data: ", 0), 0u);
    const Json chunk = Json::parse(frame.substr(6));
    if (!chunk["usage"].is_null()) usage = chunk["usage"];
    for (const Json& choice : chunk["choices"]) {
      if (choice["delta"].contains("content"))
        text += choice["delta"]["content"].get<std::string>();
    }
  }
  const Json body = Json::parse(whole.body);
  EXPECT_EQ(text, body["choices"][0]["message"]["content"].get<std::string>());
  EXPECT_EQ(usage["completion_tokens"], body["usage"]["completion_tokens"]);
}

TEST_F(GenerationTest, TwoChoicesAndTheSameSeedReproduces) {
  const std::string sampled =
      R"({"model":"tiny","messages":[{"role":"user","content":"hi"}],"max_tokens":8,"seed":5,"n":2})";
  Answer a = Post("/v1/chat/completions", sampled);
  Answer b = Post("/v1/chat/completions", sampled);
  ASSERT_EQ(a.status, 200) << a.body;
  const Json ja = Json::parse(a.body), jb = Json::parse(b.body);
  ASSERT_EQ(ja["choices"].size(), 2u);
  EXPECT_EQ(ja["choices"][1]["index"], 1);
  EXPECT_EQ(ja["choices"], jb["choices"]);
}

TEST_F(GenerationTest, LogprobsListEveryCompletionToken) {
  Answer a =
      Post("/v1/chat/completions", std::string(kGreedy) + R"(,"logprobs":true,"top_logprobs":2})");
  ASSERT_EQ(a.status, 200) << a.body;
  const Json body = Json::parse(a.body);
  const Json& content = body["choices"][0]["logprobs"]["content"];
  EXPECT_EQ(content.size(), body["usage"]["completion_tokens"].get<size_t>());
  for (const Json& entry : content) EXPECT_EQ(entry["top_logprobs"].size(), 2u);
}

TEST_F(GenerationTest, PromptLongerThanTheContextIs400) {
  std::string words;
  for (int i = 0; i < 400; ++i) words += "word ";
  Answer a = Post("/v1/chat/completions",
                  R"({"model":"tiny","messages":[{"role":"user","content":")" + words + R"("}]})");
  EXPECT_EQ(a.status, 400) << a.body;
  EXPECT_TRUE(Json::parse(a.body).contains("error"));
}

TEST_F(GenerationTest, CompletionsWithTokenPromptsAndEcho) {
  Answer a = Post(
      "/v1/completions",
      R"({"model":"tiny","prompt":[[1,300,301],[1,302]],"max_tokens":4,"temperature":0,"echo":true})");
  ASSERT_EQ(a.status, 200) << a.body;
  const Json body = Json::parse(a.body);
  EXPECT_EQ(body["object"], "text_completion");
  ASSERT_EQ(body["choices"].size(), 2u);
  Answer bad = Post("/v1/completions", R"({"model":"tiny","prompt":[1,999999]})");
  EXPECT_EQ(bad.status, 400);
}

TEST_F(GenerationTest, TokenizeAndDetokenizeRoundTrip) {
  Answer tok = Post("/tokenize", R"({"prompt":"hello","add_special_tokens":false})");
  ASSERT_EQ(tok.status, 200) << tok.body;
  const Json tokens = Json::parse(tok.body)["tokens"];
  ASSERT_FALSE(tokens.empty());
  Answer detok = Post("/detokenize", Json{{"tokens", tokens}}.dump());
  ASSERT_EQ(detok.status, 200);
  // The synthetic vocabulary spells the SentencePiece space with byte
  // tokens, which decode to a literal U+2581; the word itself comes back.
  const std::string text = Json::parse(detok.body)["prompt"];
  EXPECT_TRUE(text.ends_with("hello")) << text;
}

TEST_F(GenerationTest, ACancelledJobEndsWithAnError) {
  HttpRequest request{
      "POST", "/v1/chat/completions",
      R"({"model":"tiny","messages":[{"role":"user","content":"x"}],"max_tokens":200})", "", "t"};
  RouteResult routed = Route(state_, request);
  ASSERT_TRUE(routed.job);
  routed.job->Cancel({504, "too slow", "timeout_error", "", "timeout"});
  auto signal = std::make_shared<Signal>();
  routed.job->SetNotify(Signal::NotifierFor(signal));
  JobOutput out;
  while (!(out = routed.job->Poll()).done) ASSERT_TRUE(signal->Wait());
  ASSERT_TRUE(out.response);
  EXPECT_EQ(out.response->status, 504);
}

}  // namespace
}  // namespace citadel::server
