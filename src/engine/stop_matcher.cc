#include "engine/stop_matcher.h"

#include <algorithm>

namespace citadel::engine {

StopMatcher::StopMatcher(std::vector<std::string> stop_strings) : stops_(std::move(stop_strings)) {
  std::erase_if(stops_, [](const std::string& s) { return s.empty(); });
}

StopMatcher::Output StopMatcher::Push(std::string_view piece) {
  Output out;
  if (stopped_) return out;
  held_.append(piece);
  if (stops_.empty()) {
    out.text = std::move(held_);
    held_.clear();
    return out;
  }
  // The earliest stop string in the text wins.
  size_t stop_pos = std::string::npos;
  for (const std::string& stop : stops_) stop_pos = std::min(stop_pos, held_.find(stop));
  if (stop_pos != std::string::npos) {
    stopped_ = true;
    out.stopped = true;
    out.text = held_.substr(0, stop_pos);
    held_.clear();
    return out;
  }
  const size_t keep = PartialMatchLength();
  out.text = held_.substr(0, held_.size() - keep);
  held_.erase(0, held_.size() - keep);
  return out;
}

std::string StopMatcher::Flush() {
  std::string rest = std::move(held_);
  held_.clear();
  return stopped_ ? std::string() : rest;
}

size_t StopMatcher::PartialMatchLength() const {
  size_t best = 0;
  const std::string_view text = held_;
  for (const std::string& stop : stops_) {
    const size_t longest = std::min(stop.size() - 1, text.size());
    for (size_t len = longest; len > best; --len) {
      if (text.substr(text.size() - len) == std::string_view(stop).substr(0, len)) {
        best = len;
        break;
      }
    }
  }
  return best;
}

}  // namespace citadel::engine
