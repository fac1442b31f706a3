#include "engine/output_stage.h"

#include <utility>
#include <variant>

namespace citadel::engine {

OutputStage::OutputStage(Engine& engine, std::shared_ptr<TokenStream> stream,
                         std::vector<std::string> stop_strings, std::int32_t primer)
    : engine_(&engine),
      stream_(std::move(stream)),
      matcher_(std::move(stop_strings)),
      decoder_(engine.tokenizer()) {
  if (primer >= 0) (void)decoder_.Push(primer);
}

std::optional<StreamEvent> OutputStage::Next(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!finished_) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    std::optional<StreamEvent> raw = stream_->Next(std::max(left, std::chrono::milliseconds(0)));
    if (!raw) return std::nullopt;
    if (std::optional<StreamEvent> event = Process(std::move(*raw))) return event;
  }
  return std::nullopt;
}

std::optional<StreamEvent> OutputStage::Process(StreamEvent raw) {
  if (auto* token = std::get_if<TokenEvent>(&raw)) {
    if (matcher_.stopped()) return std::nullopt;  // sampled before the engine saw EndRequest
    OnToken(*token);
    return raw;
  }
  OnFinal(std::get<FinalEvent>(raw));
  finished_ = true;
  return raw;
}

void OutputStage::OnToken(TokenEvent& event) {
  ++tokens_seen_;
  StopMatcher::Output shown = matcher_.Push(decoder_.Push(event.token_id));
  event.text = std::move(shown.text);
  if (shown.stopped) engine_->EndRequest(stream_->id());
}

void OutputStage::OnFinal(FinalEvent& event) {
  if (matcher_.stopped()) {
    // The engine may have sampled a few tokens before it ended the request;
    // the answer ends at the stop string, and so does its usage.
    event.reason = FinishReason::kStop;
    event.error = OkStatus();
    event.usage.completion_tokens = tokens_seen_;
    return;
  }
  StopMatcher::Output tail = matcher_.Push(decoder_.Flush());
  event.text = tail.text + matcher_.Flush();
  if (tail.stopped) event.reason = FinishReason::kStop;
}

}  // namespace citadel::engine
