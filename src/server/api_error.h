// ApiError: an HTTP status plus the OpenAI error body
//   {"error": {"message": ..., "type": ..., "param": ..., "code": ...}}
// Every failure the server answers with goes through one of these, so the
// shape never varies. Client mistakes are 4xx; 500 is kept for the server's
// own faults.
//
// Plain value type; thread-compatible.
#pragma once

#include <optional>
#include <string>

#include "util/status.h"

namespace citadel::server {

struct ApiError {
  int http_status = 400;
  std::string message;
  std::string type = "invalid_request_error";
  std::string param;      // "" renders as null
  std::string code;       // "" renders as null
  int retry_after_s = 0;  // > 0: a Retry-After header goes with it

  // The JSON body.
  std::string Body() const;
};

// 400: malformed JSON, a wrong type, an out-of-range value.
ApiError BadRequest(std::string message, std::string param = "",
                    std::string code = "invalid_value");
ApiError Unauthorized(std::string message);
ApiError ModelNotFound(const std::string& model);
ApiError RouteNotFound(const std::string& method, const std::string& path);
ApiError MethodNotAllowed(const std::string& method, const std::string& path);
ApiError PayloadTooLarge(std::int64_t limit_bytes);
ApiError HeadersTooLarge(std::int64_t limit_bytes);
ApiError QueueFull(int retry_after_s);
ApiError Unavailable(std::string message, std::string code);
ApiError InternalFailure(std::string message);

// Maps a Status from an inner layer: InvalidArgument/OutOfRange -> 400,
// NotFound -> 404, ResourceExhausted -> 429, Unavailable -> 503 (429 when its
// message says "overloaded"), Cancelled -> 503, DeadlineExceeded -> 504,
// anything else -> 500.
ApiError FromStatus(const Status& status, std::string param = "");

}  // namespace citadel::server
