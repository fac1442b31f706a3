// OutputStage: the consumer's half of one request. It reads the engine's
// token events (ids and log-probabilities, no text) and turns them into the
// text a client sees:
//
//   engine thread:   schedule -> forward -> sample -> TokenStream::Push(id)
//   consumer thread: OutputStage::Next() -> detokenize -> stop strings -> text
//
// so 64 streams never queue their text work behind the next forward pass.
//
//   auto stream = engine.Submit(prompt, sampling, stop);
//   OutputStage output(engine, *stream, stop.stop_strings);
//   while (auto event = output.Next(timeout)) { ... }  // TokenEvents with text, then a FinalEvent
//
// Text is streamed whole UTF-8 characters at a time (the StreamDecoder never
// splits one), and a tail that could still grow into a stop string is held
// back (StopMatcher). When a stop string appears the stage asks the engine
// to end the request (Engine::EndRequest: its KV blocks are freed), drops
// any token the engine sampled meanwhile, and reports the request as the
// engine would have had it stopped there: reason kStop, completion tokens up
// to and including the token that completed the stop string.
//
// Thread-compatible: one consumer thread at a time (the connection's strand,
// the CLI's thread); never the engine thread. Borrows the engine (and its
// tokenizer), which must outlive the stage; shares the stream.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/stop_matcher.h"
#include "engine/token_stream.h"
#include "tokenizer/tokenizer.h"

namespace citadel::engine {

class OutputStage {
 public:
  // `stream` is what engine.Submit() returned; `stop_strings` are the
  // request's (StopConditions::stop_strings). `primer`, when >= 0, is the
  // token before the first generated one (the prompt's last): the decoder
  // then treats the first piece as a continuation and keeps its leading
  // space, as `citadel generate` prints it.
  OutputStage(Engine& engine, std::shared_ptr<TokenStream> stream,
              std::vector<std::string> stop_strings, std::int32_t primer = -1);

  OutputStage(OutputStage&&) = default;  // movable, not assignable (it borrows)

  RequestId id() const { return stream_->id(); }
  // True once the final event has been returned.
  bool finished() const { return finished_; }

  // The next event with its text, waiting up to `timeout`; nullopt on
  // timeout or after the final event. Token events sampled after a stop
  // string are skipped.
  std::optional<StreamEvent> Next(std::chrono::milliseconds timeout);
  // The next ready event, without waiting.
  std::optional<StreamEvent> TryNext() { return Next(std::chrono::milliseconds(0)); }

  // See TokenStream::SetNotify: `notify` runs on the engine thread and must
  // only post work to the consumer's thread.
  void SetNotify(std::function<void()> notify) { stream_->SetNotify(std::move(notify)); }

 private:
  // The event to hand out for `raw`, or nullopt to skip it.
  std::optional<StreamEvent> Process(StreamEvent raw);
  void OnToken(TokenEvent& event);
  void OnFinal(FinalEvent& event);

  Engine* engine_;
  std::shared_ptr<TokenStream> stream_;  // shared with the engine (see token_stream.h)
  StopMatcher matcher_;
  tokenizer::StreamDecoder decoder_;
  int tokens_seen_ = 0;  // token events taken from the stream before a stop
  bool finished_ = false;
};

}  // namespace citadel::engine
