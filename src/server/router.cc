#include "server/router.h"

#include <string_view>

#include "server/handlers.h"

namespace citadel::server {
namespace {

std::string PathOf(const std::string& target) {
  const size_t query = target.find('?');
  return query == std::string::npos ? target : target.substr(0, query);
}

bool NeedsKey(std::string_view path) {
  return path.starts_with("/v1/") || path == "/tokenize" || path == "/detokenize";
}

bool Authorized(const ServerState& state, const HttpRequest& request) {
  const std::string& key = state.options.api_key;
  if (key.empty()) return true;
  const std::string expected = "Bearer " + key;
  // Constant-time comparison: the key must not leak through timing.
  if (request.authorization.size() != expected.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    diff |= static_cast<unsigned char>(request.authorization[i] ^ expected[i]);
  }
  return diff == 0;
}

RouteResult Answer(HttpResponse response) {
  RouteResult result;
  result.response = std::move(response);
  return result;
}

RouteResult Refuse(const ApiError& error) {
  return Answer(ErrorResponse(error));
}

}  // namespace

RouteResult Route(ServerState& state, const HttpRequest& request) {
  const std::string path = PathOf(request.target);
  const std::string& method = request.method;
  const bool get = method == "GET" || method == "HEAD";
  const bool post = method == "POST";
  if (NeedsKey(path) && !Authorized(state, request)) {
    return Refuse(Unauthorized("Missing or invalid API key (Authorization: Bearer ...)"));
  }
  const auto only = [&](bool allowed, auto handler) -> RouteResult {
    if (!allowed) return Refuse(MethodNotAllowed(method, path));
    return handler();
  };
  if (path == "/health") return only(get, [&] { return Answer(HandleHealth(state)); });
  if (path == "/ready") return only(get, [&] { return Answer(HandleReady(state)); });
  if (path == "/metrics") return only(get, [&] { return Answer(HandleMetrics(state)); });
  if (path == "/v1/models") return only(get, [&] { return Answer(HandleListModels(state)); });
  if (path.starts_with("/v1/models/") && path.size() > 11) {
    return only(get, [&] { return Answer(HandleGetModel(state, path.substr(11))); });
  }
  if (path == "/v1/chat/completions") {
    return only(post, [&] { return HandleChatCompletions(state, request); });
  }
  if (path == "/v1/completions") {
    return only(post, [&] { return HandleCompletions(state, request); });
  }
  if (path == "/tokenize") return only(post, [&] { return HandleTokenize(state, request); });
  if (path == "/detokenize") return only(post, [&] { return HandleDetokenize(state, request); });
  return Refuse(RouteNotFound(method, path));
}

}  // namespace citadel::server
