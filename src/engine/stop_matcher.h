// StopMatcher: finds stop strings in a request's streamed text.
//
// Text arrives in pieces (whole UTF-8 characters, from the streaming
// detokenizer). Push() returns the text that is safe to show: everything
// before a stop string once one appears, and otherwise everything except the
// longest tail that could still grow into a stop string, which is held back
// so that stop text never leaks into the stream:
//
//   stops {"END"}:  Push("the E") -> "the ", Push("N") -> "", Push("D!") -> stop, ""
//                   Push("the E") -> "the ", Push("x") -> "Ex"
//
// Thread-compatible; one per request, in its OutputStage (consumer's thread).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace citadel::engine {

class StopMatcher {
 public:
  // Empty strings among `stop_strings` are ignored.
  explicit StopMatcher(std::vector<std::string> stop_strings);

  struct Output {
    std::string text;      // safe to emit now
    bool stopped = false;  // a stop string was found; `text` ends right before it
  };

  // Adds `piece`. After a stop, further pushes return nothing.
  Output Push(std::string_view piece);

  // The held-back tail, for when generation ends for another reason.
  std::string Flush();

  bool stopped() const { return stopped_; }

 private:
  // Length of the longest suffix of held_ that is a proper prefix of a stop string.
  size_t PartialMatchLength() const;

  std::vector<std::string> stops_;
  std::string held_;
  bool stopped_ = false;
};

}  // namespace citadel::engine
