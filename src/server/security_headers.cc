#include "server/security_headers.h"

namespace citadel::server {

std::string SecurityHeaderLines(std::string_view content_type) {
  std::string lines = "X-Content-Type-Options: nosniff\r\nReferrer-Policy: no-referrer\r\n";
  if (content_type.starts_with("text/html")) {
    lines +=
        "Content-Security-Policy: default-src 'self'; script-src 'self'; style-src 'self'; "
        "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'\r\n"
        "X-Frame-Options: DENY\r\nCache-Control: no-cache\r\n";
  } else {
    lines += "Cache-Control: no-store\r\n";
  }
  return lines;
}

}  // namespace citadel::server
