#include "server/router.h"

#include <string_view>

#include "server/admin_handler.h"
#include "server/auth_stage.h"
#include "server/handlers.h"

namespace citadel::server {
namespace {

std::string PathOf(const std::string& target) {
  const size_t query = target.find('?');
  return query == std::string::npos ? target : target.substr(0, query);
}

RouteResult Answer(HttpResponse response) {
  RouteResult result;
  result.response = std::move(response);
  return result;
}

RouteResult Refuse(const ApiError& error) {
  return Answer(ErrorResponse(error));
}

// The handler for an authorised request.
RouteResult Dispatch(ServerState& state, const HttpRequest& request, const std::string& path) {
  const std::string& method = request.method;
  const bool get = method == "GET" || method == "HEAD";
  const bool post = method == "POST";
  const auto only = [&](bool allowed, auto handler) -> RouteResult {
    if (!allowed) return Refuse(MethodNotAllowed(method, path));
    return handler();
  };
  const RequestContext& context = request.context;
  if (path == "/health") return only(get, [&] { return Answer(HandleHealth(state)); });
  if (path == "/ready") return only(get, [&] { return Answer(HandleReady(state)); });
  if (path == "/metrics") return only(get, [&] { return Answer(HandleMetrics(state)); });
  if (path == "/v1/models") {
    return only(get, [&] { return Answer(HandleListModels(state, context)); });
  }
  if (path.starts_with("/v1/models/") && path.size() > 11) {
    return only(get, [&] { return Answer(HandleGetModel(state, context, path.substr(11))); });
  }
  if (path == "/v1/chat/completions") {
    return only(post, [&] { return HandleChatCompletions(state, request); });
  }
  if (path == "/v1/completions") {
    return only(post, [&] { return HandleCompletions(state, request); });
  }
  if (path == "/tokenize") return only(post, [&] { return HandleTokenize(state, request); });
  if (path == "/detokenize") return only(post, [&] { return HandleDetokenize(state, request); });
  if (path.starts_with("/admin/v1/")) return Answer(HandleAdmin(state, request, path));
  return Refuse(RouteNotFound(method, path));
}

}  // namespace

RouteResult Route(ServerState& state, HttpRequest& request) {
  const std::string path = PathOf(request.target);
  const RouteAccess access = AccessOf(path, state.access);
  if (auto error = AuthenticateStage(access, state.keys.get(), request)) return Refuse(*error);
  if (auto error = AuthoriseStage(access, request.context)) return Refuse(*error);
  RateLimitVerdict limit =
      RateLimitStage(state.rate_limiter.get(), state.rate_limit, path, request.context);
  RouteResult result = limit.refusal ? Refuse(*limit.refusal) : Dispatch(state, request, path);
  if (!result.job) {
    result.response.headers.insert(result.response.headers.end(), limit.headers.begin(),
                                   limit.headers.end());
    return result;
  }
  if (limit.ticket) result.job->SetTokenMeter(std::move(limit.ticket));
  result.job_headers = std::move(limit.headers);
  return result;
}

}  // namespace citadel::server
