// The HTTP request and response as handlers see them: plain values, no Beast
// types, so handlers are testable without a socket.
//
// Value types; thread-compatible.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "server/api_error.h"
#include "server/request_context.h"

namespace citadel::server {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query, e.g. "/v1/models"
  std::string body;
  std::string authorization;  // the Authorization header, or empty
  std::string request_id;     // assigned by the server
  std::string api_key_header;  // x-api-key, or empty
  std::string forwarded_for;   // X-Forwarded-For values joined by ",", or empty
  std::string origin;          // Origin, or empty
  std::string client_address;  // the peer, or the client a trusted proxy forwarded
  RequestContext context;      // filled by the authenticate stage (see router.h)
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
};

inline HttpResponse JsonResponse(int status, std::string body) {
  return {status, "application/json", std::move(body), {}};
}

inline HttpResponse ErrorResponse(const ApiError& error) {
  HttpResponse response{error.http_status, "application/json", error.Body(), {}};
  if (error.retry_after_s > 0) {
    response.headers.emplace_back("Retry-After", std::to_string(error.retry_after_s));
  }
  if (error.http_status == 405) response.headers.emplace_back("Allow", "GET, POST");
  return response;
}

}  // namespace citadel::server
