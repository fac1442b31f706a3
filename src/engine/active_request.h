// ActiveRequest: everything the engine keeps for one request between Submit
// and its final event — the scheduler's SequenceState plus sampling, stop
// conditions, the stream and the timestamps for metrics. (Text and stop
// strings are the consumer's: see output_stage.h.)
//
// Engine-thread only.
#pragma once

#include <chrono>
#include <memory>
#include <optional>

#include "engine/request.h"
#include "engine/sampler.h"
#include "engine/token_stream.h"

namespace citadel::engine {

using EngineClock = std::chrono::steady_clock;

struct ActiveRequest {
  ActiveRequest(SequenceState seq_state, const SamplingParams& params, int vocab_size,
                StopConditions stop_conditions, std::shared_ptr<TokenStream> token_stream)
      : seq(std::move(seq_state)),
        sampler(params, vocab_size),
        stop(std::move(stop_conditions)),
        stream(std::move(token_stream)) {}

  SequenceState seq;
  Sampler sampler;
  StopConditions stop;
  std::shared_ptr<TokenStream> stream;  // shared with the consumer (see token_stream.h)

  EngineClock::time_point submitted;
  std::optional<EngineClock::time_point> first_scheduled;
  std::optional<EngineClock::time_point> first_token;
  EngineClock::time_point last_token;
  FinalEvent final_event;  // filled when the request finishes
};

}  // namespace citadel::engine
