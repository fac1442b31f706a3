#include "engine/token_stream.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace citadel::engine {
namespace {

using std::chrono::milliseconds;

TokenEvent Token(std::int32_t id, std::string text = "") {
  TokenEvent event;
  event.token_id = id;
  event.text = std::move(text);
  return event;
}

TEST(TokenStreamTest, DeliversEventsInOrderThenEnds) {
  TokenStream stream(3);
  stream.Push(Token(10, "a"));
  stream.Push(Token(11, "b"));
  FinalEvent final_event;
  final_event.reason = FinishReason::kLength;
  final_event.usage.completion_tokens = 2;
  stream.Finish(final_event);
  stream.Push(Token(12, "dropped"));
  EXPECT_TRUE(stream.finished());

  auto e1 = stream.TryNext();
  auto e2 = stream.TryNext();
  auto e3 = stream.TryNext();
  ASSERT_TRUE(e1 && e2 && e3);
  EXPECT_EQ(std::get<TokenEvent>(*e1).token_id, 10);
  EXPECT_EQ(std::get<TokenEvent>(*e2).text, "b");
  EXPECT_EQ(std::get<FinalEvent>(*e3).reason, FinishReason::kLength);
  EXPECT_EQ(std::get<FinalEvent>(*e3).usage.completion_tokens, 2);
  EXPECT_FALSE(stream.Next(milliseconds(1000)).has_value()) << "must not wait after the end";
}

TEST(TokenStreamTest, NextTimesOutWhenNothingArrives) {
  TokenStream stream(1);
  EXPECT_FALSE(stream.Next(milliseconds(1)).has_value());
}

TEST(TokenStreamTest, ConsumerOnAnotherThreadReceivesEverything) {
  auto stream = std::make_shared<TokenStream>(1);
  std::thread producer([stream] {
    for (int i = 0; i < 1000; ++i) stream->Push(Token(i));
    stream->Finish({});
  });
  int expected = 0;
  bool done = false;
  while (!done) {
    auto event = stream->Next(milliseconds(10000));
    ASSERT_TRUE(event.has_value());
    if (auto* token = std::get_if<TokenEvent>(&*event)) {
      EXPECT_EQ(token->token_id, expected++);
    } else {
      done = true;
    }
  }
  producer.join();
  EXPECT_EQ(expected, 1000);
}

TEST(TokenStreamTest, NotifyIsCalledForEveryEventAndForPendingOnes) {
  TokenStream stream(1);
  stream.Push(Token(1));
  std::atomic<int> calls = 0;
  stream.SetNotify([&calls] { ++calls; });
  EXPECT_EQ(calls, 1) << "an event was already waiting";
  stream.Push(Token(2));
  stream.Finish({});
  EXPECT_EQ(calls, 3);
}

TEST(TokenStreamTest, DrainAllBlocksUntilFinal) {
  auto stream = std::make_shared<TokenStream>(1);
  std::thread producer([stream] {
    stream->Push(Token(5));
    FinalEvent final_event;
    final_event.reason = FinishReason::kCancelled;
    stream->Finish(final_event);
  });
  std::vector<StreamEvent> all = stream->DrainAll();
  producer.join();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(std::get<FinalEvent>(all[1]).reason, FinishReason::kCancelled);
}

}  // namespace
}  // namespace citadel::engine
