#include "engine/token_stream.h"

#include <memory>

namespace citadel::engine {

void TokenStream::Push(TokenEvent event) {
  Enqueue(std::move(event), false);
}

void TokenStream::Finish(FinalEvent event) {
  Enqueue(std::move(event), true);
}

void TokenStream::Enqueue(StreamEvent event, bool final) {
  std::shared_ptr<std::function<void()>> notify;
  {
    std::lock_guard lock(mu_);
    if (finished_) return;
    events_.push_back(std::move(event));
    finished_ = final;
    notify = notify_;
  }
  cv_.notify_all();
  if (notify) (*notify)();
}

std::optional<StreamEvent> TokenStream::Next(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  if (!cv_.wait_for(lock, timeout, [this] { return !events_.empty() || final_taken_; })) {
    return std::nullopt;
  }
  if (events_.empty()) return std::nullopt;
  StreamEvent event = std::move(events_.front());
  events_.pop_front();
  if (std::holds_alternative<FinalEvent>(event)) final_taken_ = true;
  return event;
}

std::optional<StreamEvent> TokenStream::TryNext() {
  return Next(std::chrono::milliseconds(0));
}

std::vector<StreamEvent> TokenStream::DrainAll() {
  std::vector<StreamEvent> all;
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return finished_; });
  while (!events_.empty()) {
    all.push_back(std::move(events_.front()));
    events_.pop_front();
  }
  final_taken_ = true;
  return all;
}

void TokenStream::SetNotify(std::function<void()> notify) {
  auto shared = std::make_shared<std::function<void()>>(std::move(notify));
  bool pending;
  {
    std::lock_guard lock(mu_);
    notify_ = shared;
    pending = !events_.empty();
  }
  if (pending && *shared) (*shared)();
}

bool TokenStream::finished() const {
  std::lock_guard lock(mu_);
  return finished_;
}

}  // namespace citadel::engine
