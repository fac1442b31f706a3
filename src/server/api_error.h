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
#include <utility>
#include <variant>

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

// How a StatusCode answers over HTTP: the status, the OpenAI error type and
// code, and Retry-After seconds (0: none). The one place the class of an
// inner error becomes an HTTP answer:
//   InvalidArgument, OutOfRange                      400 invalid_request_error
//   Unauthenticated                                   401 invalid_request_error (as OpenAI)
//   PermissionDenied                                  403 permission_error
//   NotFound                                          404 invalid_request_error
//   ResourceExhausted                                 429 rate_limit_error (Retry-After 1)
//   Unavailable, Cancelled                            503 service_unavailable (Retry-After 1)
//   DeadlineExceeded                                  504 timeout_error
//   anything else                                     500 server_error
struct HttpErrorClass {
  int http_status = 500;
  const char* type = "server_error";
  const char* code = "internal_error";
  int retry_after_s = 0;
};
HttpErrorClass HttpErrorClassOf(StatusCode code);

// The ApiError for a Status from an inner layer, classified by its code
// alone (HttpErrorClassOf); `param` names the request field it concerns.
// ResourceExhausted answers with QueueFull's message.
ApiError FromStatus(const Status& status, std::string param = "");

// The server edge's Result: a value, or the ApiError to answer with.
template <typename T>
class [[nodiscard]] ApiResult {
 public:
  ApiResult(T value) : data_(std::move(value)) {}         // NOLINT: implicit by design
  ApiResult(ApiError error) : data_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(data_); }
  const ApiError& error() const { return std::get<ApiError>(data_); }

  T& value() & { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  T& operator*() & { return value(); }
  T* operator->() { return &value(); }

 private:
  std::variant<T, ApiError> data_;
};

}  // namespace citadel::server
