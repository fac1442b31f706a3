#include "engine/engine.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "engine/output_stage.h"
#include "fake_forward_pass.h"

namespace citadel::engine {
namespace {

using testing::FakeForwardPass;
using testing::kEos;
using testing::Spell;

constexpr auto kTimeout = std::chrono::seconds(30);

struct Collected {
  std::vector<std::int32_t> tokens;
  std::string text;
  FinalEvent final_event;
  bool complete = false;
};

// Reads a stream to its end: a TokenStream (ids only) or an OutputStage (with text).
template <typename Stream>
Collected Collect(Stream& stream) {
  Collected c;
  while (auto event =
             stream.Next(std::chrono::duration_cast<std::chrono::milliseconds>(kTimeout))) {
    if (auto* token = std::get_if<TokenEvent>(&*event)) {
      c.tokens.push_back(token->token_id);
      c.text += token->text;
    } else {
      c.final_event = std::get<FinalEvent>(std::move(*event));
      c.text += c.final_event.text;
      c.complete = true;
      break;
    }
  }
  EXPECT_TRUE(c.complete) << "stream " << stream.id() << " did not finish";
  return c;
}

SamplingParams Greedy() {
  SamplingParams p;
  p.temperature = 0;
  return p;
}

StopConditions MaxTokens(int n) {
  StopConditions s;
  s.max_tokens = n;
  return s;
}

std::vector<std::int32_t> Prompt(int length, int salt) {
  std::vector<std::int32_t> ids;
  for (int i = 0; i < length; ++i) ids.push_back(3 + (i * 7 + salt * 13) % 50);
  return ids;
}

class EngineTest : public ::testing::Test {
 protected:
  void Start(int num_blocks, EngineOptions options = {}, int context = 256,
             FakeForwardPass::NextToken next = testing::HashNextToken) {
    engine_.reset();
    forward_ = std::make_unique<FakeForwardPass>(num_blocks, options.block_tokens, next);
    KvLayout layout{num_blocks, options.block_tokens, context, 7};
    auto engine = Engine::Create(*forward_, *tok_, options, layout);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(engine).value();
  }

  std::shared_ptr<TokenStream> Submit(std::vector<std::int32_t> prompt, StopConditions stop,
                                      SamplingParams sampling = Greedy()) {
    auto stream = engine_->Submit(std::move(prompt), sampling, stop);
    EXPECT_TRUE(stream.ok()) << stream.status().ToString();
    return stream.ok() ? *stream : nullptr;
  }

  // Submits and reads the request through an OutputStage, as servers do.
  Collected CollectText(std::vector<std::int32_t> prompt, const StopConditions& stop) {
    OutputStage output(*engine_, Submit(std::move(prompt), stop), stop.stop_strings);
    return Collect(output);
  }

  // Runs each request alone on a fresh engine and returns its tokens.
  std::vector<std::vector<std::int32_t>> RunAlone(
      const std::vector<std::pair<std::vector<std::int32_t>, int>>& requests) {
    std::vector<std::vector<std::int32_t>> outputs;
    for (const auto& [prompt, max_tokens] : requests) {
      Start(256);
      outputs.push_back(Collect(*Submit(prompt, MaxTokens(max_tokens))).tokens);
    }
    return outputs;
  }

  std::unique_ptr<tokenizer::Tokenizer> tok_ = testing::MakeTestTokenizer();
  std::unique_ptr<FakeForwardPass> forward_;
  std::unique_ptr<Engine> engine_;
};

std::vector<std::pair<std::vector<std::int32_t>, int>> MixedRequests(int count) {
  std::vector<std::pair<std::vector<std::int32_t>, int>> requests;
  for (int i = 0; i < count; ++i)
    requests.push_back({Prompt(3 + (i * 37) % 90, i), 4 + (i * 11) % 40});
  return requests;
}

TEST_F(EngineTest, GreedyOutputIsTheSameAloneAndAmongSixteenConcurrentRequests) {
  const auto requests = MixedRequests(16);
  const auto alone = RunAlone(requests);
  EngineOptions options;
  options.max_batch_tokens = 48;  // forces chunked prefill next to decodes
  Start(256, options);
  std::vector<std::shared_ptr<TokenStream>> streams;
  for (const auto& [prompt, max_tokens] : requests)
    streams.push_back(Submit(prompt, MaxTokens(max_tokens)));
  for (size_t i = 0; i < streams.size(); ++i) {
    Collected c = Collect(*streams[i]);
    EXPECT_EQ(c.tokens, alone[i]) << "request " << i;
    EXPECT_EQ(c.final_event.reason, FinishReason::kLength);
    EXPECT_EQ(c.final_event.usage.completion_tokens, requests[i].second);
    EXPECT_EQ(c.final_event.usage.prompt_tokens, static_cast<int>(requests[i].first.size()));
  }
  EXPECT_GT(forward_->max_sequences_in_a_batch(), 4) << "requests were not batched together";
  EngineMetrics m = engine_->Metrics();
  EXPECT_EQ(m.kv_blocks_used, 0);
  int expected_generated = 0;
  for (const auto& request : requests) expected_generated += request.second;
  EXPECT_EQ(m.generated_tokens, expected_generated);
  EXPECT_EQ(m.requests_finished_length, 16);
}

TEST_F(EngineTest, PreemptionAndRecomputeGiveTheSameGreedyOutput) {
  const auto requests = MixedRequests(12);
  const auto alone = RunAlone(requests);
  EngineOptions options;
  options.max_batch_tokens = 64;
  options.max_running = 12;
  Start(/*num_blocks=*/14, options, /*context=*/14 * 16);  // far less than 12 requests need
  std::vector<std::shared_ptr<TokenStream>> streams;
  for (const auto& [prompt, max_tokens] : requests)
    streams.push_back(Submit(prompt, MaxTokens(max_tokens)));
  for (size_t i = 0; i < streams.size(); ++i) {
    EXPECT_EQ(Collect(*streams[i]).tokens, alone[i]) << "request " << i;
  }
  EngineMetrics m = engine_->Metrics();
  EXPECT_GT(m.preemptions, 0) << "the pool was meant to run out";
  EXPECT_EQ(m.kv_blocks_used, 0);
}

TEST_F(EngineTest, PrefixCacheHitGivesTheSameOutputAsAMiss) {
  std::vector<std::int32_t> system = Prompt(100, 1);
  std::vector<std::int32_t> question = system;
  for (std::int32_t t : Spell("whatisit")) question.push_back(t);
  const auto miss = RunAlone({{question, 20}});

  Start(256);
  std::vector<std::int32_t> other = system;
  for (std::int32_t t : Spell("hello")) other.push_back(t);
  Collected first = Collect(*Submit(other, MaxTokens(5)));
  EXPECT_EQ(first.final_event.usage.cached_tokens, 0);
  Collected hit = Collect(*Submit(question, MaxTokens(20)));
  EXPECT_EQ(hit.tokens, miss[0]);
  EXPECT_EQ(hit.final_event.usage.cached_tokens, 96) << "six full blocks of the system prompt";
  EngineMetrics m = engine_->Metrics();
  EXPECT_EQ(m.prefix_cache_queries, 2);
  EXPECT_EQ(m.prefix_cache_hits, 1);
  EXPECT_EQ(m.prefix_cache_hit_tokens, 96);
}

TEST_F(EngineTest, CancelEndsTheStreamAndFreesEveryBlock) {
  std::mutex mu;
  std::condition_variable cv;
  int forward_calls = 0;
  bool cancelled = false;
  Start(64);
  // Hold the third forward pass until the test has cancelled the request.
  forward_->before_forward = [&] {
    std::unique_lock lock(mu);
    if (++forward_calls == 3) {
      cv.notify_all();
      cv.wait(lock, [&] { return cancelled; });
    }
  };
  EngineMetrics before = engine_->Metrics();
  auto stream = Submit(Prompt(40, 3), MaxTokens(0));  // would run to the context end
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, kTimeout, [&] { return forward_calls >= 3; }));
  }
  engine_->Cancel(stream->id());
  {
    std::lock_guard lock(mu);
    cancelled = true;
  }
  cv.notify_all();
  Collected c = Collect(*stream);
  EXPECT_EQ(c.final_event.reason, FinishReason::kCancelled);
  EXPECT_EQ(c.tokens.size(), 3u);
  EngineMetrics after = engine_->Metrics();
  EXPECT_EQ(after.kv_blocks_used, before.kv_blocks_used);
  EXPECT_EQ(after.kv_blocks_used, 0);
  EXPECT_EQ(after.running_sequences, 0);
  EXPECT_EQ(after.requests_cancelled, 1);
}

TEST_F(EngineTest, RejectsARequestThatCanNeverFitAtOnce) {
  Start(/*num_blocks=*/4, {}, /*context=*/64);
  auto too_long = engine_->Submit(Prompt(60, 1), Greedy(), MaxTokens(10));
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(too_long.status().message().find("max_tokens"), std::string::npos)
      << too_long.status().message();
  auto prompt_too_long = engine_->Submit(Prompt(64, 1), Greedy(), MaxTokens(0));
  EXPECT_EQ(prompt_too_long.status().code(), StatusCode::kInvalidArgument);
  auto bad_token = engine_->Submit({1, 9999}, Greedy(), MaxTokens(1));
  EXPECT_EQ(bad_token.status().code(), StatusCode::kInvalidArgument);
  auto empty = engine_->Submit({}, Greedy(), MaxTokens(1));
  EXPECT_EQ(empty.status().code(), StatusCode::kInvalidArgument);
  // A request that fits still runs.
  EXPECT_EQ(Collect(*Submit(Prompt(50, 1), MaxTokens(14))).tokens.size(), 14u);
  EXPECT_EQ(engine_->Metrics().requests_rejected, 4);
}

TEST_F(EngineTest, AnswersOverloadedAtOnceWhenTheQueueIsFull) {
  EngineOptions options;
  options.max_running = 1;
  options.max_queue = 2;
  std::mutex mu;
  std::condition_variable cv;
  bool entered = false;
  bool open = false;
  Start(64, options);
  forward_->before_forward = [&] {
    std::unique_lock lock(mu);
    entered = true;
    cv.notify_all();
    cv.wait(lock, [&] { return open; });
  };
  auto running = Submit(Prompt(5, 1), MaxTokens(2));
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, kTimeout, [&] { return entered; }));
  }
  auto queued1 = Submit(Prompt(5, 2), MaxTokens(2));
  auto queued2 = Submit(Prompt(5, 3), MaxTokens(2));
  auto refused = engine_->Submit(Prompt(5, 4), Greedy(), MaxTokens(2));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kResourceExhausted);
  {
    std::lock_guard lock(mu);
    open = true;
  }
  cv.notify_all();
  EXPECT_EQ(Collect(*running).tokens.size(), 2u);
  EXPECT_EQ(Collect(*queued1).tokens.size(), 2u);
  EXPECT_EQ(Collect(*queued2).tokens.size(), 2u);
}

TEST_F(EngineTest, SubmitAndCancelFromManyThreadsAtOnce) {
  EngineOptions options;
  options.max_running = 6;
  options.max_batch_tokens = 40;
  Start(48, options);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  std::vector<std::thread> clients;
  std::vector<std::vector<Collected>> results(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    clients.emplace_back([&, t] {
      std::vector<std::shared_ptr<TokenStream>> streams;
      for (int i = 0; i < kPerThread; ++i) {
        auto stream = engine_->Submit(Prompt(5 + (i * 13) % 60, t * 100 + i), Greedy(),
                                      MaxTokens(1 + i % 20));
        ASSERT_TRUE(stream.ok()) << stream.status().ToString();
        if (i % 3 == 0) engine_->Cancel((*stream)->id());
        streams.push_back(*stream);
      }
      for (auto& stream : streams) results[t].push_back(Collect(*stream));
    });
  }
  for (auto& client : clients) client.join();
  int cancelled = 0;
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(results[t].size(), static_cast<size_t>(kPerThread));
    for (int i = 0; i < kPerThread; ++i) {
      const Collected& c = results[t][i];
      if (c.final_event.reason == FinishReason::kCancelled) {
        ++cancelled;
        EXPECT_EQ(i % 3, 0) << "only requests the client cancelled end cancelled";
      } else {
        EXPECT_EQ(c.final_event.reason, FinishReason::kLength);
        EXPECT_EQ(c.tokens.size(), static_cast<size_t>(1 + i % 20));
      }
    }
  }
  EngineMetrics m = engine_->Metrics();
  EXPECT_EQ(m.requests_submitted, kThreads * kPerThread);
  EXPECT_EQ(m.requests_cancelled, cancelled);
  EXPECT_EQ(m.requests_finished_length + m.requests_cancelled, kThreads * kPerThread);
  EXPECT_EQ(m.kv_blocks_used, 0);
  EXPECT_EQ(m.running_sequences, 0);
  EXPECT_EQ(m.queue_length, 0);
}

// A scripted model: spells `text` one letter per step, then </s>.
FakeForwardPass::NextToken Script(std::string text, int prompt_length) {
  return [text, prompt_length](std::span<const std::int32_t> history) {
    const size_t generated = history.size() - static_cast<size_t>(prompt_length);
    return generated < text.size() ? testing::Letter(text[generated]) : kEos;
  };
}

TEST_F(EngineTest, StopStringEndsGenerationWithoutLeakingIntoTheStream) {
  Start(64, {}, 256, Script("abENDcd", 4));
  StopConditions stop = MaxTokens(20);
  stop.stop_strings = {"END"};
  Collected c = CollectText(Prompt(4, 1), stop);
  EXPECT_EQ(c.text, "ab");
  EXPECT_EQ(c.tokens, Spell("abEND"));  // tokens sampled after the stop are not handed out
  EXPECT_EQ(c.final_event.reason, FinishReason::kStop);
  EXPECT_EQ(c.final_event.usage.completion_tokens, 5);
  // The engine ended the request and freed its blocks before the final event.
  const EngineMetrics m = engine_->Metrics();
  EXPECT_EQ(m.kv_blocks_used, 0);
  EXPECT_EQ(m.running_sequences, 0);
  EXPECT_EQ(m.requests_finished_stop, 1);
}

TEST_F(EngineTest, StopStringEndsARequestThatWouldRunToTheContextEnd) {
  // The model never emits </s>: only the stop string (found by the output
  // stage, which then ends the request at the engine) can end it early.
  Start(64, {}, 256, [](std::span<const std::int32_t> history) {
    return history.size() % 3 == 0 ? testing::Letter('Z') : testing::Letter('q');
  });
  StopConditions stop = MaxTokens(0);
  stop.stop_strings = {"Zq"};
  Collected c = CollectText(Prompt(4, 1), stop);
  EXPECT_EQ(c.final_event.reason, FinishReason::kStop);
  EXPECT_EQ(c.text.find("Zq"), std::string::npos);
  EXPECT_EQ(c.final_event.usage.completion_tokens, static_cast<int>(c.tokens.size()));
  EXPECT_LT(c.tokens.size(), 10u);
  EXPECT_EQ(engine_->Metrics().kv_blocks_used, 0);
}

TEST_F(EngineTest, EngineStreamsCarryNoText) {
  Start(64, {}, 256, Script("abc", 4));
  Collected c = Collect(*Submit(Prompt(4, 1), MaxTokens(10)));
  EXPECT_EQ(c.tokens, Spell("abc"));
  EXPECT_EQ(c.text, "");
  EXPECT_EQ(c.final_event.reason, FinishReason::kStop);
}

TEST_F(EngineTest, HeldBackTextIsReleasedWhenItIsNotAStop) {
  Start(64, {}, 256, Script("abEN", 4));
  StopConditions stop = MaxTokens(4);
  stop.stop_strings = {"END"};
  Collected c = CollectText(Prompt(4, 1), stop);
  EXPECT_EQ(c.text, "abEN");
  EXPECT_EQ(c.final_event.text, "EN");
  EXPECT_EQ(c.final_event.reason, FinishReason::kLength);
}

TEST_F(EngineTest, EndOfGenerationTokenStops) {
  Start(64, {}, 256, Script("xyz", 4));
  Collected c = CollectText(Prompt(4, 1), MaxTokens(50));
  EXPECT_EQ(c.text, "xyz");
  EXPECT_EQ(c.final_event.reason, FinishReason::kStop);
  EXPECT_EQ(c.final_event.usage.completion_tokens, 4);  // x, y, z, </s>
  // With ignore_eos the limit decides.
  StopConditions stop = MaxTokens(6);
  stop.ignore_eos = true;
  Collected ignored = Collect(*Submit(Prompt(4, 1), stop));
  EXPECT_EQ(ignored.final_event.reason, FinishReason::kLength);
  EXPECT_EQ(ignored.tokens.size(), 6u);
}

TEST_F(EngineTest, ContextLengthEndsGeneration) {
  Start(64, {}, /*context=*/40);
  Collected c = Collect(*Submit(Prompt(30, 1), MaxTokens(0)));
  EXPECT_EQ(c.final_event.reason, FinishReason::kLength);
  EXPECT_EQ(c.tokens.size(), 10u);
}

TEST_F(EngineTest, StopCancelsEverythingInFlight) {
  Start(64);
  // The requests would run to the context end; hold every forward pass until
  // Stop() has begun, so they are still in flight when it cancels them.
  forward_->before_forward = [&] {
    while (!engine_->Stopping()) std::this_thread::yield();
  };
  auto a = Submit(Prompt(10, 1), MaxTokens(0));
  auto b = Submit(Prompt(10, 2), MaxTokens(0));
  engine_->Stop();
  EXPECT_EQ(Collect(*a).final_event.reason, FinishReason::kCancelled);
  EXPECT_EQ(Collect(*b).final_event.reason, FinishReason::kCancelled);
  auto late = engine_->Submit(Prompt(3, 1), Greedy(), MaxTokens(1));
  EXPECT_EQ(late.status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace citadel::engine
