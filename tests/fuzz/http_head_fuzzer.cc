// libFuzzer target for the request head: arbitrary bytes through Beast's
// parser (with the server's header and body limits) and the parse stage
// that extracts Authorization, x-api-key, Origin and X-Forwarded-For, then
// the allowlist stage's X-Forwarded-For walk. Nothing may crash or hang.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "server/allowlist_stage.h"
#include "server/parse_stage.h"

namespace http = boost::beast::http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const citadel::server::AllowlistStage stage(
      *citadel::security::NetworkPolicy::Create({{}, {"10.0.0.0/8"}, {"127.0.0.1"}}),
      citadel::server::RefuseMode::kForbidden);
  http::request_parser<http::string_body> parser;
  parser.header_limit(16384);
  parser.body_limit(1 << 16);
  parser.eager(true);
  boost::beast::error_code ec;
  const std::size_t used = parser.put(boost::asio::buffer(data, size), ec);
  if (used > size) std::abort();
  if (ec || !parser.is_header_done()) return 0;
  http::request<http::string_body> message = parser.release();
  const citadel::server::HttpRequest request = citadel::server::ParseRequestHead(message);
  (void)stage.AfterHeaders(citadel::security::IpAddress::FromV4(0x7f000001), request.forwarded_for);
  return 0;
}
