// RunServer: `citadel serve` once its settings are resolved: listen, load the
// models in the background (/ready answers 503 "loading" meanwhile), serve
// until SIGTERM/SIGINT, drain, stop the engines.
//
// Returns OK after a clean drain; the error when the address cannot be bound
// or a model fails to load (the server then drains and stops).
// Call from the main thread; blocks.
#pragma once

#include "server/config.h"
#include "util/status.h"

namespace citadel::server {

Status RunServer(const Settings& settings);

}  // namespace citadel::server
