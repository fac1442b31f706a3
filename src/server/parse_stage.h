// The pipeline's parse stage: Beast's parsed message -> the plain
// HttpRequest the later stages and the handlers see. Header values are
// copied as sent; a header sent several times (X-Forwarded-For) is joined
// with "," in order, as RFC 9110 folds repeated fields.
//
// Pure function; thread-safe.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "server/http_types.h"

namespace citadel::server {

// Moves the body out of `message`.
HttpRequest ParseRequestHead(boost::beast::http::request<boost::beast::http::string_body>& message);

}  // namespace citadel::server
