#include "server/security_headers.h"

#include <algorithm>
#include <cctype>

namespace citadel::server {
namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// scheme://host[:port] with a non-empty host of [a-z0-9.-] (or a bracketed
// IPv6 address) and a numeric port; nothing after it.
bool IsOrigin(std::string_view origin) {
  std::string_view rest;
  if (origin.starts_with("https://")) {
    rest = origin.substr(8);
  } else if (origin.starts_with("http://")) {
    rest = origin.substr(7);
  } else {
    return false;
  }
  std::string_view host = rest;
  std::string_view port;
  if (rest.starts_with('[')) {
    const size_t close = rest.find(']');
    if (close == std::string_view::npos || close < 3) return false;
    host = rest.substr(0, close + 1);
    rest.remove_prefix(close + 1);
    if (!rest.empty() && rest.front() != ':') return false;
    if (!rest.empty()) port = rest.substr(1);
    if (rest.size() == 1) return false;
  } else {
    const size_t colon = rest.find(':');
    host = rest.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = rest.substr(colon + 1);
      if (port.empty()) return false;
    }
    if (host.empty()) return false;
    for (char c : host) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-') return false;
    }
  }
  if (port.size() > 5) return false;
  return std::all_of(port.begin(), port.end(),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

// Header names a preflight may ask for: tokens and commas only, so that
// echoing them back can never inject a header line.
bool IsHeaderList(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == ',' ||
           c == ' ';
  });
}

constexpr std::string_view kExposed =
    "Access-Control-Expose-Headers: X-Request-Id, Retry-After, x-ratelimit-limit-requests, "
    "x-ratelimit-remaining-requests, x-ratelimit-reset-requests, x-ratelimit-limit-tokens, "
    "x-ratelimit-remaining-tokens, x-ratelimit-reset-tokens\r\n";

}  // namespace

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

Result<CorsPolicy> CorsPolicy::Create(const std::vector<std::string>& origins) {
  CorsPolicy policy;
  for (const std::string& origin : origins) {
    if (origin == "*") {
      return InvalidArgumentError(
          "setting server.cors_origins: '*' is not allowed; list each origin "
          "(https://host[:port])");
    }
    if (!IsOrigin(Lower(origin))) {
      return InvalidArgumentError("setting server.cors_origins: '" + origin +
                                  "' is not an origin (http(s)://host[:port], no path)");
    }
    policy.origins_.push_back(Lower(origin));
  }
  return policy;
}

bool CorsPolicy::Allows(std::string_view origin) const {
  if (origin.empty()) return false;
  const std::string lower = Lower(origin);
  return std::find(origins_.begin(), origins_.end(), lower) != origins_.end();
}

std::string CorsPolicy::ResponseLines(std::string_view origin) const {
  if (!enabled()) return "";
  std::string lines = "Vary: Origin\r\n";
  if (!Allows(origin)) return lines;
  lines += "Access-Control-Allow-Origin: " + std::string(origin) + "\r\n";
  lines += kExposed;
  return lines;
}

std::string CorsPolicy::PreflightLines(std::string_view origin,
                                       std::string_view request_headers) const {
  std::string lines = ResponseLines(origin);
  lines += "Access-Control-Allow-Methods: GET, POST, OPTIONS\r\n";
  lines += "Access-Control-Allow-Headers: ";
  lines += IsHeaderList(request_headers) && !request_headers.empty()
               ? std::string(request_headers)
               : "Authorization, Content-Type, x-api-key";
  lines += "\r\nAccess-Control-Max-Age: 600\r\n";
  return lines;
}

}  // namespace citadel::server
