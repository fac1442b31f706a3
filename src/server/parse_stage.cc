#include "server/parse_stage.h"

namespace citadel::server {

namespace http = boost::beast::http;

HttpRequest ParseRequestHead(http::request<http::string_body>& message) {
  HttpRequest request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  request.body = std::move(message.body());
  request.authorization = std::string(message[http::field::authorization]);
  request.api_key_header = std::string(message["x-api-key"]);
  request.origin = std::string(message[http::field::origin]);
  for (const auto& field : message) {
    if (!boost::beast::iequals(field.name_string(), "x-forwarded-for")) continue;
    if (!request.forwarded_for.empty()) request.forwarded_for += ',';
    request.forwarded_for += std::string(field.value());
  }
  return request;
}

}  // namespace citadel::server
