// The response side of the pipeline: headers every answer carries, chosen
// by what the body is.
//
//   every response        X-Content-Type-Options: nosniff
//                         Referrer-Policy: no-referrer
//   API bodies (JSON,     Cache-Control: no-store   (answers may hold private
//   SSE, text)                                        prompts and completions)
//   pages (text/html)     Content-Security-Policy: default-src 'self';
//                         frame-ancestors 'none'; ... , X-Frame-Options: DENY
//
// No CORS header is ever added here: cross-origin reads stay refused by the
// browser unless an origin is configured (not yet: issue 15).
//
// Pure function; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace citadel::server {

// The header lines ("Name: value\r\n" each) for a body of `content_type`.
std::string SecurityHeaderLines(std::string_view content_type);

}  // namespace citadel::server
