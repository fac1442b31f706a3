#include "server/api_error.h"

#include <nlohmann/json.hpp>

namespace citadel::server {
namespace {

nlohmann::json NullIfEmpty(const std::string& text) {
  return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text);
}

}  // namespace

std::string ApiError::Body() const {
  nlohmann::json body = {{"error",
                          {{"message", message},
                           {"type", type},
                           {"param", NullIfEmpty(param)},
                           {"code", NullIfEmpty(code)}}}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

ApiError BadRequest(std::string message, std::string param, std::string code) {
  return {400, std::move(message), "invalid_request_error", std::move(param), std::move(code)};
}

ApiError Unauthorized(std::string message) {
  return {401, std::move(message), "invalid_request_error", "", "invalid_api_key"};
}

ApiError ModelNotFound(const std::string& model) {
  return {404, "The model '" + model + "' does not exist", "invalid_request_error", "model",
          "model_not_found"};
}

ApiError RouteNotFound(const std::string& method, const std::string& path) {
  return {404, "No route for " + method + " " + path, "invalid_request_error", "", "not_found"};
}

ApiError MethodNotAllowed(const std::string& method, const std::string& path) {
  return {405, "Method " + method + " is not allowed on " + path, "invalid_request_error", "",
          "method_not_allowed"};
}

ApiError PayloadTooLarge(std::int64_t limit_bytes) {
  return {413, "Request body is larger than the limit of " + std::to_string(limit_bytes) + " bytes",
          "invalid_request_error", "", "request_too_large"};
}

ApiError HeadersTooLarge(std::int64_t limit_bytes) {
  return {431,
          "Request headers are larger than the limit of " + std::to_string(limit_bytes) + " bytes",
          "invalid_request_error", "", "headers_too_large"};
}

ApiError QueueFull(int retry_after_s) {
  return {429,
          "The server is at capacity: too many requests are waiting; retry later",
          "rate_limit_error",
          "",
          "queue_full",
          retry_after_s};
}

ApiError Unavailable(std::string message, std::string code) {
  return {503, std::move(message), "service_unavailable", "", std::move(code), 1};
}

ApiError InternalFailure(std::string message) {
  return {500, std::move(message), "server_error", "", "internal_error"};
}

HttpErrorClass HttpErrorClassOf(StatusCode code) {
  switch (code) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kOutOfRange:
      return {400, "invalid_request_error", "invalid_value", 0};
    case StatusCode::kUnauthenticated:
      return {401, "invalid_request_error", "invalid_api_key", 0};
    case StatusCode::kPermissionDenied:
      return {403, "permission_error", "permission_denied", 0};
    case StatusCode::kNotFound:
      return {404, "invalid_request_error", "not_found", 0};
    case StatusCode::kResourceExhausted:
      return {429, "rate_limit_error", "queue_full", 1};
    case StatusCode::kUnavailable:
      return {503, "service_unavailable", "unavailable", 1};
    case StatusCode::kCancelled:
      return {503, "service_unavailable", "cancelled", 1};
    case StatusCode::kDeadlineExceeded:
      return {504, "timeout_error", "timeout", 0};
    default:
      return {};
  }
}

ApiError FromStatus(const Status& status, std::string param) {
  if (status.code() == StatusCode::kResourceExhausted) return QueueFull(1);
  const HttpErrorClass c = HttpErrorClassOf(status.code());
  const bool names_param = c.http_status == 400 || c.http_status == 404;
  return {c.http_status, status.message(), c.type, names_param ? std::move(param) : "",
          c.code,        c.retry_after_s};
}

}  // namespace citadel::server
