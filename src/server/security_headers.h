// The response side of the pipeline: headers every answer carries, chosen
// by what the body is, and CORS for the origins an operator lists.
//
//   every response        X-Content-Type-Options: nosniff
//                         Referrer-Policy: no-referrer
//   API bodies (JSON,     Cache-Control: no-store   (answers may hold private
//   SSE, text)                                        prompts and completions)
//   pages (text/html)     Content-Security-Policy: default-src 'self';
//                         frame-ancestors 'none'; ... , X-Frame-Options: DENY
//
// CORS is off by default: no Access-Control-* header is ever sent, so a
// browser refuses cross-origin reads. With server.cors_origins =
// ["https://app.example.com", ...], a request whose Origin is listed gets
// Access-Control-Allow-Origin naming it (never "*"), and a preflight
// (OPTIONS with Access-Control-Request-Method) from a listed origin is
// answered 204; from any other origin it is refused with 403.
//
// Pure functions and an immutable policy; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace citadel::server {

// The header lines ("Name: value\r\n" each) for a body of `content_type`.
std::string SecurityHeaderLines(std::string_view content_type);

class CorsPolicy {
 public:
  CorsPolicy() = default;  // off: no origin is allowed

  // Each entry an origin: http(s)://host[:port], no path. InvalidArgument
  // naming server.cors_origins for anything else ("*" included: list them).
  static Result<CorsPolicy> Create(const std::vector<std::string>& origins);

  bool enabled() const { return !origins_.empty(); }
  bool Allows(std::string_view origin) const;
  // Lines for an actual response to a request from `origin` (empty when
  // CORS is off; only Vary: Origin when the origin is not listed).
  std::string ResponseLines(std::string_view origin) const;
  // Lines of the 204 answer to a preflight from a listed `origin` that asks
  // for `request_headers` (Access-Control-Request-Headers, may be empty).
  std::string PreflightLines(std::string_view origin, std::string_view request_headers) const;

 private:
  std::vector<std::string> origins_;  // lower-case
};

}  // namespace citadel::server
