// The authenticate and authorise stages through Route(), against a real
// SQLite store in a temporary folder: the key matrix (missing, malformed,
// unknown, revoked, expired, wrong scope, wrong model), both headers, the
// open routes, auth.mode = none, and the start-up checks of store_setup.
#include "server/auth_stage.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "keyed_server_fixture.h"
#include "security/key_issuer.h"
#include "server/router.h"
#include "server/store_setup.h"
#include "store/store_url.h"

namespace citadel::server {
namespace {

using Json = nlohmann::json;

class AuthStageTest : public KeyedServerTest {
 protected:
  security::IssuedKey Issue(std::vector<std::string> scopes,
                            std::optional<std::vector<std::string>> models = std::nullopt,
                            std::optional<std::int64_t> expires_at = std::nullopt) {
    security::KeySpec spec;
    spec.name = "test";
    spec.scopes = std::move(scopes);
    spec.allowed_models = std::move(models);
    spec.expires_at = expires_at;
    auto issued = security::IssueKey(*state_.store, spec, clock_.UnixSeconds());
    EXPECT_TRUE(issued.ok()) << issued.status().ToString();
    return std::move(issued).value();
  }

  static HttpRequest Request(std::string method, std::string target, std::string bearer = "",
                             std::string body = "") {
    HttpRequest r;
    r.method = std::move(method);
    r.target = std::move(target);
    if (!bearer.empty()) r.authorization = "Bearer " + bearer;
    r.body = std::move(body);
    return r;
  }

  RouteResult Send(HttpRequest request) { return Route(state_, request); }

  // Asserts the status and the OpenAI error body's type and code.
  static void ExpectError(const RouteResult& r, int status, const std::string& type,
                          const std::string& code) {
    EXPECT_EQ(r.response.status, status) << r.response.body;
    const Json body = Json::parse(r.response.body);
    EXPECT_EQ(body["error"]["type"], type) << r.response.body;
    EXPECT_EQ(body["error"]["code"], code) << r.response.body;
    EXPECT_FALSE(body["error"]["message"].get<std::string>().empty());
    EXPECT_TRUE(body["error"].contains("param"));
  }
};

constexpr const char* kChat = R"({"model":"m","messages":[{"role":"user","content":"hi"}]})";

TEST_F(AuthStageTest, MissingMalformedAndUnknownKeysAre401WithoutEchoingTheKey) {
  ExpectError(Send(Request("GET", "/v1/models")), 401, "invalid_request_error", "invalid_api_key");
  ExpectError(Send(Request("GET", "/v1/models", "not-a-key")), 401, "invalid_request_error",
              "invalid_api_key");
  HttpRequest basic = Request("GET", "/v1/models");
  basic.authorization = "Basic dXNlcjpwYXNz";
  ExpectError(Send(basic), 401, "invalid_request_error", "invalid_api_key");
  HttpRequest empty_bearer = Request("GET", "/v1/models");
  empty_bearer.authorization = "Bearer ";
  ExpectError(Send(empty_bearer), 401, "invalid_request_error", "invalid_api_key");
  const std::string unknown = "cit_" + std::string(security::kApiKeySecretChars, 'A');
  RouteResult r = Send(Request("GET", "/v1/models", unknown));
  ExpectError(r, 401, "invalid_request_error", "invalid_api_key");
  EXPECT_EQ(r.response.body.find(unknown), std::string::npos) << "key echoed";
  // Unknown routes are hidden behind the key check too.
  EXPECT_EQ(Send(Request("GET", "/v2/anything")).response.status, 401);
}

TEST_F(AuthStageTest, AValidKeyPassesAndItsIdentityStaysInTheRequestContext) {
  const security::IssuedKey issued = Issue({"models:read"});
  HttpRequest request = Request("GET", "/v1/models", issued.key);
  RouteResult r = Route(state_, request);
  EXPECT_EQ(r.response.status, 200) << r.response.body;
  ASSERT_NE(request.context.identity, nullptr);
  EXPECT_EQ(request.context.identity->key_id, issued.record.id);
  EXPECT_EQ(request.context.identity->prefix, issued.record.prefix);
  // A scheme in another case and surrounding blanks are accepted.
  HttpRequest lower = Request("GET", "/v1/models");
  lower.authorization = "  bearer   " + issued.key + " ";
  EXPECT_EQ(Send(lower).response.status, 200);
}

TEST_F(AuthStageTest, XApiKeyHeaderIsAcceptedAndAuthorizationWins) {
  const security::IssuedKey issued = Issue({"models:read"});
  HttpRequest x = Request("GET", "/v1/models");
  x.api_key_header = issued.key;
  EXPECT_EQ(Send(x).response.status, 200);
  HttpRequest both = Request("GET", "/v1/models", "cit_wrong");
  both.api_key_header = issued.key;
  EXPECT_EQ(Send(both).response.status, 401);
}

TEST_F(AuthStageTest, RevokedAndExpiredKeysAre401) {
  const security::IssuedKey revoked = Issue({"models:read"});
  EXPECT_EQ(Send(Request("GET", "/v1/models", revoked.key)).response.status, 200);
  ASSERT_TRUE(state_.store->RevokeKey(revoked.record.id, clock_.UnixSeconds()).ok());
  RouteResult r = Send(Request("GET", "/v1/models", revoked.key));
  ExpectError(r, 401, "invalid_request_error", "invalid_api_key");
  EXPECT_NE(r.response.body.find("revoked"), std::string::npos) << r.response.body;

  const security::IssuedKey expiring =
      Issue({"models:read"}, std::nullopt, clock_.UnixSeconds() + 60);
  EXPECT_EQ(Send(Request("GET", "/v1/models", expiring.key)).response.status, 200);
  clock_.AdvanceSeconds(61);
  RouteResult late = Send(Request("GET", "/v1/models", expiring.key));
  ExpectError(late, 401, "invalid_request_error", "invalid_api_key");
  EXPECT_NE(late.response.body.find("expired"), std::string::npos) << late.response.body;
}

TEST_F(AuthStageTest, EachRouteNeedsItsScope) {
  const security::IssuedKey chat_only = Issue({"chat"});
  ExpectError(Send(Request("GET", "/v1/models", chat_only.key)), 403, "permission_error",
              "insufficient_scope");
  ExpectError(Send(Request("POST", "/v1/completions", chat_only.key, "{}")), 403,
              "permission_error", "insufficient_scope");
  ExpectError(Send(Request("GET", "/admin/v1/users", chat_only.key)), 403, "permission_error",
              "insufficient_scope");
  ExpectError(Send(Request("POST", "/v1/embeddings", chat_only.key, "{}")), 403, "permission_error",
              "insufficient_scope");
  // The chat scope gets through to the handler (which then finds no model m).
  EXPECT_EQ(Send(Request("POST", "/v1/chat/completions", chat_only.key, kChat)).response.status,
            404);
  const security::IssuedKey models_only = Issue({"models:read"});
  ExpectError(Send(Request("POST", "/v1/chat/completions", models_only.key, kChat)), 403,
              "permission_error", "insufficient_scope");
}

TEST_F(AuthStageTest, AdminAndAuditScopesNeedTheOwnersRole) {
  for (const auto& [name, role] :
       std::vector<std::pair<std::string, store::Role>>{{"boss", store::Role::kAdmin},
                                                        {"clerk", store::Role::kUser},
                                                        {"watcher", store::Role::kAuditor}}) {
    ASSERT_TRUE(state_.store->CreateUser({name, "", role, "", clock_.UnixSeconds()}).ok());
  }
  const auto key_of = [&](const std::string& owner) {
    security::KeySpec spec{
        "k", state_.store->FindUser(owner)->id, {"admin", "audit:read"}, std::nullopt, std::nullopt,
        {}};
    return security::IssueKey(*state_.store, spec, clock_.UnixSeconds())->key;
  };
  EXPECT_EQ(Send(Request("GET", "/admin/v1/users", key_of("boss"))).response.status, 200);
  ExpectError(Send(Request("GET", "/admin/v1/users", key_of("clerk"))), 403, "permission_error",
              "insufficient_role");
  ExpectError(Send(Request("GET", "/admin/v1/users", key_of("watcher"))), 403, "permission_error",
              "insufficient_role");
  // audit:read: an auditor gets past both stages, a user does not.
  const int audit = Send(Request("GET", "/admin/v1/audit", key_of("watcher"))).response.status;
  EXPECT_NE(audit, 401);
  EXPECT_NE(audit, 403);
  ExpectError(Send(Request("GET", "/admin/v1/audit", key_of("clerk"))), 403, "permission_error",
              "insufficient_role");
  // A service key (no owner) has what it was given.
  EXPECT_EQ(Send(Request("GET", "/admin/v1/users", Issue({"admin"}).key)).response.status, 200);
}

TEST_F(AuthStageTest, AModelTheKeyMayNotUseIs403BeforeItIsLookedUp) {
  const security::IssuedKey only_other =
      Issue({"chat", "models:read"}, std::vector<std::string>{"other"});
  ExpectError(Send(Request("POST", "/v1/chat/completions", only_other.key, kChat)), 403,
              "permission_error", "model_not_allowed");
  // A model outside the key's list does not exist as far as the key can see.
  EXPECT_EQ(Send(Request("GET", "/v1/models/m", only_other.key)).response.status, 404);
  RequestContext context;
  EXPECT_TRUE(ModelVisible(context, "m"));  // no key: auth.mode = none
  HttpRequest request = Request("GET", "/v1/models", only_other.key);
  ASSERT_EQ(Route(state_, request).response.status, 200);
  EXPECT_TRUE(ModelVisible(request.context, "other"));
  EXPECT_FALSE(ModelVisible(request.context, "m"));
}

TEST_F(AuthStageTest, HealthReadyAndMetricsAreOpenUnlessMetricsRequireAKey) {
  EXPECT_EQ(Send(Request("GET", "/health")).response.status, 200);
  EXPECT_EQ(Send(Request("GET", "/ready")).response.status, 503);  // no model, but answered
  EXPECT_EQ(Send(Request("GET", "/metrics")).response.status, 200);
  state_.access.metrics_require_key = true;
  EXPECT_EQ(Send(Request("GET", "/metrics")).response.status, 401);
  EXPECT_EQ(Send(Request("GET", "/metrics", Issue({"chat"}).key)).response.status, 200);
}

TEST_F(AuthStageTest, ModeNoneOpensTheModelApiButNotAdmin) {
  state_.access.mode = AuthMode::kNone;
  EXPECT_EQ(Send(Request("GET", "/v1/models")).response.status, 200);
  EXPECT_EQ(Send(Request("POST", "/v1/chat/completions", "", kChat)).response.status, 404);
  EXPECT_EQ(Send(Request("GET", "/admin/v1/users")).response.status, 401);
}

TEST(AuthSettingsTest, ModesAndLoopbackHosts) {
  EXPECT_EQ(*ParseAuthMode("keys"), AuthMode::kKeys);
  EXPECT_EQ(*ParseAuthMode("none"), AuthMode::kNone);
  const auto bad = ParseAuthMode("off");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("auth.mode"), std::string::npos);
  for (const char* host : {"127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"}) {
    EXPECT_TRUE(IsLoopbackHost(host)) << host;
  }
  for (const char* host : {"0.0.0.0", "::", "10.0.0.1", "example.com", ""}) {
    EXPECT_FALSE(IsLoopbackHost(host)) << host;
  }
}

class StoreSetupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "citadel-setup-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    ASSERT_TRUE(settings_.Set("store.data_dir", dir_, SettingSource::kCommandLine).ok());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
  Settings settings_ = Settings::Defaults();
};

TEST_F(StoreSetupTest, ModeNoneIsRefusedOffLoopback) {
  ASSERT_TRUE(settings_.Set("auth.mode", "none", SettingSource::kCommandLine).ok());
  ASSERT_TRUE(settings_.Set("server.host", "0.0.0.0", SettingSource::kCommandLine).ok());
  ServerState state;
  const Status status = SetUpAccess(settings_, state);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("loopback"), std::string::npos) << status.message();
}

TEST_F(StoreSetupTest, OpensTheDataDirStoreWithItsFirstAdmin) {
  ServerState state;
  ASSERT_TRUE(SetUpAccess(settings_, state).ok());
  EXPECT_EQ(state.access.mode, AuthMode::kKeys);  // the default
  ASSERT_NE(state.keys, nullptr);
  auto admin = state.store->FindUser("admin");
  ASSERT_TRUE(admin.ok()) << admin.status().ToString();
  EXPECT_EQ(admin->role, store::Role::kAdmin);
  EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(dir_) / "citadel.db"));
}

TEST_F(StoreSetupTest, ACorruptStoreIsAClearError) {
  std::ofstream(std::filesystem::path(dir_) / "citadel.db") << std::string(8192, 'x');
  ServerState state;
  const Status status = SetUpAccess(settings_, state);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("citadel.db"), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("opening the store"), std::string::npos) << status.message();
}

}  // namespace
}  // namespace citadel::server
