// Routing without a model: health, readiness, 404/405,
// metrics text, and the 503 for model requests while loading or draining
// (auth.mode = none; keys are auth_stage_test.cc's).
#include "server/router.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace citadel::server {
namespace {

using Json = nlohmann::json;

HttpRequest Request(std::string method, std::string target, std::string body = "") {
  HttpRequest r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.body = std::move(body);
  return r;
}

// Route() fills the request's context, so it takes the request by reference.
RouteResult Send(ServerState& state, HttpRequest request) {
  return Route(state, request);
}

const char* kChat = R"({"model":"m","messages":[{"role":"user","content":"hi"}]})";

TEST(RouterTest, HealthIsAlwaysOk) {
  ServerState state;
  RouteResult r = Send(state, Request("GET", "/health"));
  EXPECT_EQ(r.response.status, 200);
}

TEST(RouterTest, ReadySaysLoadingThenNoModel) {
  ServerState state;
  RouteResult loading = Send(state, Request("GET", "/ready"));
  EXPECT_EQ(loading.response.status, 503);
  EXPECT_EQ(Json::parse(loading.response.body)["status"], "loading");
  state.models.SetState(ModelRegistry::State::kReady);
  RouteResult none = Send(state, Request("GET", "/ready"));
  EXPECT_EQ(none.response.status, 503);
  EXPECT_EQ(Json::parse(none.response.body)["status"], "no_model");
  state.draining = true;
  EXPECT_EQ(Json::parse(Send(state, Request("GET", "/ready")).response.body)["status"], "draining");
}

TEST(RouterTest, UnknownRouteIs404AndWrongMethodIs405) {
  ServerState state;
  RouteResult missing = Send(state, Request("GET", "/v2/nothing"));
  EXPECT_EQ(missing.response.status, 404);
  EXPECT_TRUE(Json::parse(missing.response.body).contains("error"));
  RouteResult wrong = Send(state, Request("GET", "/v1/chat/completions"));
  EXPECT_EQ(wrong.response.status, 405);
  EXPECT_EQ(Send(state, Request("DELETE", "/v1/models")).response.status, 405);
}

TEST(RouterTest, ModelRequestsWhileLoadingAre503AndUnknownModelsAre404) {
  ServerState state;
  EXPECT_EQ(Send(state, Request("POST", "/v1/chat/completions", kChat)).response.status, 503);
  state.models.SetState(ModelRegistry::State::kReady);
  RouteResult unknown = Send(state, Request("POST", "/v1/chat/completions", kChat));
  EXPECT_EQ(unknown.response.status, 404);
  EXPECT_EQ(Json::parse(unknown.response.body)["error"]["code"], "model_not_found");
  EXPECT_EQ(Send(state, Request("GET", "/v1/models/nope")).response.status, 404);
  // Validation comes first: a malformed body is a 400 whatever the model.
  EXPECT_EQ(Send(state, Request("POST", "/v1/chat/completions", "{")).response.status, 400);
}

TEST(RouterTest, MetricsIsPrometheusText) {
  ServerState state;
  state.http.Count(200);
  state.http.Count(404);
  RouteResult r = Send(state, Request("GET", "/metrics"));
  EXPECT_EQ(r.response.status, 200);
  EXPECT_NE(r.response.content_type.find("text/plain"), std::string::npos);
  EXPECT_NE(r.response.body.find("citadel_http_responses_total{code=\"4xx\"} 1"),
            std::string::npos);
  EXPECT_NE(r.response.body.find("# TYPE vllm:num_requests_running gauge"), std::string::npos);
}

}  // namespace
}  // namespace citadel::server
