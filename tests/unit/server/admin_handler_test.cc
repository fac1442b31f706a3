// The admin REST API through Route() with an admin key, against a real
// SQLite store: users and keys round trips, the key a POST returns works on
// the model API, and every mistake gets a clear 4xx.
#include "server/admin_handler.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "keyed_server_fixture.h"
#include "security/key_issuer.h"
#include "server/admin_request.h"
#include "server/router.h"

namespace citadel::server {
namespace {

using Json = nlohmann::json;

class AdminHandlerTest : public KeyedServerTest {
 protected:
  void SetUp() override {
    KeyedServerTest::SetUp();
    security::KeySpec spec{"root", std::nullopt, {"admin"}, std::nullopt, std::nullopt, {}};
    auto issued = security::IssueKey(*state_.store, spec, state_.clock.UnixSeconds());
    ASSERT_TRUE(issued.ok()) << issued.status().ToString();
    admin_key_ = issued->key;
  }
  struct Reply {
    int status;
    Json body;
  };
  Reply Call(const std::string& method, const std::string& target, const std::string& body = "",
             const std::string& key = "") {
    HttpRequest request;
    request.method = method;
    request.target = target;
    request.body = body;
    request.authorization = "Bearer " + (key.empty() ? admin_key_ : key);
    RouteResult r = Route(state_, request);
    return {r.response.status, Json::parse(r.response.body)};
  }

  std::string admin_key_;
};

TEST_F(AdminHandlerTest, UsersAreCreatedListedShownDisabledAndEnabled) {
  Reply created =
      Call("POST", "/admin/v1/users", R"({"name":"ada","display_name":"Ada L.","role":"auditor"})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.body["name"], "ada");
  EXPECT_EQ(created.body["role"], "auditor");
  EXPECT_GE(created.body["password"].get<std::string>().size(), 8u);  // generated, shown once
  EXPECT_FALSE(created.body.contains("password_hash"));
  Reply listed = Call("GET", "/admin/v1/users");
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(listed.body["object"], "list");
  ASSERT_EQ(listed.body["data"].size(), 1u);
  EXPECT_FALSE(listed.body["data"][0].contains("password"));
  EXPECT_EQ(Call("GET", "/admin/v1/users/ada").body["display_name"], "Ada L.");
  EXPECT_EQ(Call("POST", "/admin/v1/users/ada/disable").body["disabled"], true);
  EXPECT_EQ(Call("POST", "/admin/v1/users/ada/enable").body["disabled"], false);
  Reply given = Call("POST", "/admin/v1/users/ada/password", R"({"password":"correct horse"})");
  EXPECT_EQ(given.status, 200);
  EXPECT_FALSE(given.body.contains("password"));
  EXPECT_TRUE(Call("POST", "/admin/v1/users/ada/password").body.contains("password"));
}

TEST_F(AdminHandlerTest, NamesArePercentDecodedAndStoredExactly) {
  const Reply created =
      Call("POST", "/admin/v1/users", R"({"name":"o'brien ✓","password":"longenough"})");
  ASSERT_EQ(created.status, 201) << created.body;
  const Reply shown = Call("GET", "/admin/v1/users/o'brien%20%E2%9C%93");
  EXPECT_EQ(shown.status, 200) << shown.body;
  EXPECT_EQ(shown.body["name"], "o'brien ✓");
}

TEST_F(AdminHandlerTest, UserMistakesAreClear4xx) {
  ASSERT_EQ(Call("POST", "/admin/v1/users", R"({"name":"bob"})").status, 201);
  const Reply taken = Call("POST", "/admin/v1/users", R"({"name":"bob"})");
  EXPECT_EQ(taken.status, 409);
  EXPECT_EQ(taken.body["error"]["code"], "already_exists");
  const Reply bad_json = Call("POST", "/admin/v1/users", R"({"name": )");
  EXPECT_EQ(bad_json.status, 400);
  EXPECT_EQ(bad_json.body["error"]["code"], "invalid_json");
  EXPECT_EQ(Call("POST", "/admin/v1/users", R"({"name":"x","rol":"admin"})").body["error"]["param"],
            "rol");
  EXPECT_EQ(Call("POST", "/admin/v1/users", R"({"name":"x","role":"king"})").status, 400);
  EXPECT_EQ(Call("POST", "/admin/v1/users", R"({"name":"x","password":"short"})").status, 400);
  EXPECT_EQ(Call("POST", "/admin/v1/users", R"({"name":7})").body["error"]["param"], "name");
  EXPECT_EQ(Call("POST", "/admin/v1/users", "[]").status, 400);
  EXPECT_EQ(Call("GET", "/admin/v1/users/nobody").status, 404);
  EXPECT_EQ(Call("POST", "/admin/v1/users/nobody/disable").status, 404);
  EXPECT_EQ(Call("DELETE", "/admin/v1/users").status, 405);
  EXPECT_EQ(Call("GET", "/admin/v1/users/bob/disable").status, 405);
  EXPECT_EQ(Call("POST", "/admin/v1/users/bob/promote").status, 404);
  EXPECT_EQ(Call("GET", "/admin/v1/users/%zz").status, 400);
  EXPECT_EQ(Call("GET", "/admin/v1/nothing").status, 404);
}

TEST_F(AdminHandlerTest, AKeyIsIssuedOnceListedShownAndRevoked) {
  ASSERT_EQ(Call("POST", "/admin/v1/users", R"({"name":"ada"})").status, 201);
  const Reply created = Call("POST", "/admin/v1/keys",
                             R"({"name":"app","user":"ada","scopes":["models:read"],
                                 "models":["m"],"rpm":100,"expires":"90d"})");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string key = created.body["key"];
  const std::int64_t id = created.body["id"];
  EXPECT_TRUE(key.starts_with("cit_" + created.body["prefix"].get<std::string>().substr(4)));
  EXPECT_EQ(created.body["owner"], "ada");
  EXPECT_EQ(created.body["limits"]["rpm"], 100);
  EXPECT_EQ(Call("GET", "/v1/models", "", key).status, 200);  // the new key works at once
  const Reply listed = Call("GET", "/admin/v1/keys?user=ada");
  ASSERT_EQ(listed.body["data"].size(), 1u);
  EXPECT_FALSE(listed.body["data"][0].contains("key"));              // the secret only once
  EXPECT_EQ(Call("GET", "/admin/v1/keys").body["data"].size(), 2u);  // with the admin's own
  EXPECT_EQ(Call("GET", "/admin/v1/keys/" + std::to_string(id)).body["name"], "app");
  const Reply revoked = Call("POST", "/admin/v1/keys/" + std::to_string(id) + "/revoke");
  EXPECT_EQ(revoked.status, 200);
  EXPECT_EQ(revoked.body["revoked"], true);
  EXPECT_EQ(Call("GET", "/v1/models", "", key).status, 401);
  // Disabling the owner stops their keys too.
  const Reply other =
      Call("POST", "/admin/v1/keys", R"({"name":"b","user":"ada","scopes":["chat"]})");
  ASSERT_EQ(Call("POST", "/v1/embeddings", "{}", other.body["key"]).status, 403);
  Call("POST", "/admin/v1/users/ada/disable");
  EXPECT_EQ(Call("POST", "/v1/embeddings", "{}", other.body["key"]).status, 401);
}

TEST_F(AdminHandlerTest, KeyMistakesAreClear4xx) {
  EXPECT_EQ(Call("POST", "/admin/v1/keys", R"({"name":"k"})").body["error"]["param"], "scopes");
  EXPECT_EQ(Call("POST", "/admin/v1/keys", R"({"name":"k","scopes":["root"]})").status, 400);
  EXPECT_EQ(Call("POST", "/admin/v1/keys", R"({"name":"k","scopes":"chat"})").status, 400);
  EXPECT_EQ(Call("POST", "/admin/v1/keys", R"({"name":"k","scopes":["chat"],"user":"nobody"})")
                .body["error"]["param"],
            "user");
  EXPECT_EQ(Call("POST", "/admin/v1/keys", R"({"name":"k","scopes":["chat"],"expires":"soon"})")
                .body["error"]["param"],
            "expires");
  EXPECT_EQ(Call("POST", "/admin/v1/keys", R"({"name":"k","scopes":["chat"],"rpm":-1})").status,
            400);
  EXPECT_EQ(Call("POST", "/admin/v1/keys", R"({"name":"k","scope":["chat"]})").status, 400);
  EXPECT_EQ(Call("GET", "/admin/v1/keys/abc").status, 400);
  EXPECT_EQ(Call("GET", "/admin/v1/keys/999").status, 404);
  EXPECT_EQ(Call("POST", "/admin/v1/keys/999/revoke").status, 404);
  EXPECT_EQ(Call("GET", "/admin/v1/keys/1/revoke").status, 405);
  EXPECT_EQ(Call("GET", "/admin/v1/keys?user=nobody").status, 404);
}

TEST(AdminRequestTest, PercentDecodingAndQueries) {
  EXPECT_EQ(PercentDecode("a%20b+c", false).value(), "a b+c");
  EXPECT_EQ(PercentDecode("a%20b+c", true).value(), "a b c");
  EXPECT_FALSE(PercentDecode("%2", false).ok());
  EXPECT_FALSE(PercentDecode("%g0", false).ok());
  EXPECT_EQ(QueryParameter("/k?x=1&user=ada%21", "user").value(), "ada!");
  EXPECT_EQ(QueryParameter("/k?x=1", "user").value(), "");
  EXPECT_EQ(QueryParameter("/k", "user").value(), "");
}

}  // namespace
}  // namespace citadel::server
