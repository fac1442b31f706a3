// The store suite: users, keys, conversations, bad input and the auth epoch,
// run against every backend.
#include <gtest/gtest.h>

#include <thread>

#include "store_fixture.h"

namespace citadel::store::testing {
namespace {

NewUser Ada() {
  return {"ada", "Ada Lovelace", Role::kAdmin, "$argon2id$fake", 1700000000};
}

NewApiKey KeyFor(std::optional<std::int64_t> owner, const std::string& prefix) {
  NewApiKey key;
  key.name = "ci pipeline";
  key.owner_user_id = owner;
  key.prefix = prefix;
  key.hash_hex = std::string(56, 'a') + prefix;  // unique per key, as a SHA-256 would be
  key.scopes = {"chat", "models:read"};
  key.created_at = 1700000100;
  return key;
}

TEST_P(StoreTest, UsersRoundTripAndNamesAreUnique) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->schema_version(), kCurrentSchemaVersion);
  EXPECT_EQ(*store->CountUsers(), 0);
  auto ada = store->CreateUser(Ada());
  ASSERT_TRUE(ada.ok()) << ada.status().ToString();
  EXPECT_GT(ada->id, 0);
  EXPECT_EQ(ada->name, "ada");
  EXPECT_EQ(ada->display_name, "Ada Lovelace");
  EXPECT_EQ(ada->role, Role::kAdmin);
  EXPECT_EQ(ada->created_at, 1700000000);
  EXPECT_FALSE(ada->disabled);
  EXPECT_FALSE(ada->last_login_at.has_value());

  auto again = store->CreateUser(Ada());
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  EXPECT_NE(again.status().message().find("'ada'"), std::string::npos);

  ASSERT_TRUE(store->CreateUser({"bob", "", Role::kAuditor, "", 1700000001}).ok());
  auto users = store->ListUsers();
  ASSERT_TRUE(users.ok());
  ASSERT_EQ(users->size(), 2u);
  EXPECT_EQ((*users)[1].role, Role::kAuditor);

  auto disabled = store->SetUserDisabled("bob", true);
  ASSERT_TRUE(disabled.ok());
  EXPECT_TRUE(disabled->disabled);
  EXPECT_FALSE(store->SetUserDisabled("bob", false)->disabled);
  EXPECT_EQ(store->SetUserPassword("ada", "$argon2id$new")->password_hash, "$argon2id$new");
  ASSERT_TRUE(store->RecordLogin("ada", 1700000500).ok());
  EXPECT_EQ(store->FindUser("ada")->last_login_at, 1700000500);
  EXPECT_EQ(store->FindUser("nobody").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->SetUserDisabled("nobody", true).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->FindUserById(ada->id)->name, "ada");
}

TEST_P(StoreTest, KeysKeepEveryFieldAndRevokeOnce) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  auto ada = store->CreateUser(Ada());
  ASSERT_TRUE(ada.ok());
  NewApiKey spec = KeyFor(ada->id, "AbCd1234");
  spec.allowed_models = std::vector<std::string>{"llama-3-8b", "qwen2,5"};
  spec.expires_at = 1800000000;
  spec.limits = {100, 50000, 4};
  auto key = store->CreateKey(spec);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(key->name, "ci pipeline");
  EXPECT_EQ(key->owner_user_id, ada->id);
  EXPECT_EQ(key->owner_name, "ada");
  EXPECT_EQ(key->owner_role, Role::kAdmin);
  EXPECT_EQ(key->prefix, "AbCd1234");
  EXPECT_EQ(key->hash_hex, spec.hash_hex);
  EXPECT_EQ(key->scopes, (std::vector<std::string>{"chat", "models:read"}));
  EXPECT_EQ(key->allowed_models, spec.allowed_models);
  EXPECT_EQ(key->expires_at, 1800000000);
  EXPECT_EQ(key->limits.requests_per_minute, 100);
  EXPECT_EQ(key->limits.tokens_per_minute, 50000);
  EXPECT_EQ(key->limits.concurrent_streams, 4);
  EXPECT_FALSE(key->revoked);

  NewApiKey service = KeyFor(std::nullopt, "Zz998877");
  auto service_key = store->CreateKey(service);
  ASSERT_TRUE(service_key.ok());
  EXPECT_FALSE(service_key->owner_user_id.has_value());
  EXPECT_FALSE(service_key->owner_role.has_value());
  EXPECT_FALSE(service_key->allowed_models.has_value());
  EXPECT_FALSE(service_key->limits.requests_per_minute.has_value());

  EXPECT_EQ(store->FindKeysByPrefix("AbCd1234")->size(), 1u);
  EXPECT_TRUE(store->FindKeysByPrefix("nothere0")->empty());
  EXPECT_EQ(store->ListKeys(std::nullopt)->size(), 2u);
  EXPECT_EQ(store->ListKeys(ada->id)->size(), 1u);

  auto revoked = store->RevokeKey(key->id, 1700001000);
  ASSERT_TRUE(revoked.ok());
  EXPECT_TRUE(revoked->revoked);
  EXPECT_EQ(revoked->revoked_at, 1700001000);
  EXPECT_EQ(store->RevokeKey(key->id, 1700002000)->revoked_at, 1700001000);
  EXPECT_EQ(store->RevokeKey(999999, 1).status().code(), StatusCode::kNotFound);

  ASSERT_TRUE(store->RecordKeyUse(service_key->id, 1700003000, "2001:db8::1").ok());
  auto used = store->FindKey(service_key->id);
  EXPECT_EQ(used->last_used_at, 1700003000);
  EXPECT_EQ(used->last_used_ip, "2001:db8::1");

  auto orphan = store->CreateKey(KeyFor(424242, "Orphan00"));
  EXPECT_EQ(orphan.status().code(), StatusCode::kNotFound);
  auto duplicate = store->CreateKey(spec);
  EXPECT_EQ(duplicate.status().code(), StatusCode::kAlreadyExists);
  NewApiKey bad_limit = KeyFor(std::nullopt, "Limit000");
  bad_limit.limits.requests_per_minute = 0;
  EXPECT_EQ(store->CreateKey(bad_limit).status().code(), StatusCode::kInvalidArgument);
}

TEST_P(StoreTest, AuthEpochMovesOnRevokeAndDisableOnly) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  auto other = Open();  // another replica on the same database
  ASSERT_NE(other, nullptr);
  const std::int64_t start = *store->AuthEpoch();
  const std::uint64_t local_start = store->local_auth_epoch();
  auto ada = store->CreateUser(Ada());
  auto key = store->CreateKey(KeyFor(ada->id, "Epoch000"));
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(*store->AuthEpoch(), start);
  EXPECT_EQ(store->local_auth_epoch(), local_start);
  ASSERT_TRUE(store->RevokeKey(key->id, 1).ok());
  EXPECT_GT(store->local_auth_epoch(), local_start);
  EXPECT_EQ(other->local_auth_epoch(), 0u);
  ASSERT_TRUE(other->SetUserDisabled("ada", true).ok());
  // SQLite reads the row; PostgreSQL hears NOTIFY shortly after the commit.
  for (int i = 0; i < 2000 && *store->AuthEpoch() == start; ++i) {
    std::this_thread::yield();
    (void)store->FindUser("ada");
  }
  EXPECT_NE(*store->AuthEpoch(), start);
}

TEST_P(StoreTest, ConversationsRoundTrip) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  auto ada = store->CreateUser(Ada());
  Conversation c{0,
                 ada->id,
                 "Trip to Lisbon ✈️",
                 "llama-3-8b",
                 R"([{"role":"user","content":"Hi \"there\""}])",
                 10,
                 10};
  auto created = store->CreateConversation(c);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created->title, c.title);
  EXPECT_EQ(created->messages_json, c.messages_json);
  created->title = "Renamed";
  created->updated_at = 20;
  EXPECT_EQ(store->UpdateConversation(*created)->title, "Renamed");
  EXPECT_EQ(store->ListConversations(ada->id)->size(), 1u);
  ASSERT_TRUE(store->DeleteConversation(created->id).ok());
  EXPECT_EQ(store->FindConversation(created->id).status().code(), StatusCode::kNotFound);
  c.owner_user_id = 987654;
  EXPECT_EQ(store->CreateConversation(c).status().code(), StatusCode::kNotFound);
}

TEST_P(StoreTest, HostileTextRoundTripsExactlyOrIsRefused) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  const std::vector<std::string> kept = {
      "O'Brien \"the\" `admin`; DROP TABLE users; --",
      "tab\tnew\nline\x01\x1f end",
      "emoji 🦙🔐 and 中文 and é",
      std::string(10 * 1024, 'x') + "🦙",
      "\\' OR '1'='1",
  };
  int n = 0;
  for (const std::string& text : kept) {
    const std::string name = "user" + std::to_string(n++) + "'\"😀";
    auto user = store->CreateUser({name, text, Role::kUser, "", 1});
    ASSERT_TRUE(user.ok()) << user.status().ToString();
    EXPECT_EQ(store->FindUser(name)->display_name, text);
    NewApiKey key = KeyFor(user->id, "Hostile" + std::to_string(n));
    key.name = text;
    auto stored = store->CreateKey(key);
    ASSERT_TRUE(stored.ok()) << stored.status().ToString();
    EXPECT_EQ(store->FindKey(stored->id)->name, text);
  }
  const auto refused = [&](const std::string& name, const std::string& display) {
    auto result = store->CreateUser({name, display, Role::kUser, "", 1});
    EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument) << name;
    EXPECT_FALSE(result.status().message().empty());
    return result.status().message();
  };
  EXPECT_NE(refused(std::string("nul\0byte", 8), "").find("NUL"), std::string::npos);
  EXPECT_NE(refused("bad\xff utf8", "").find("UTF-8"), std::string::npos);
  EXPECT_NE(refused("line\nbreak", "").find("control"), std::string::npos);
  EXPECT_NE(refused("huge", std::string(20 * 1024, 'y')).find("at most"), std::string::npos);
  EXPECT_NE(refused(std::string(300, 'n'), "").find("at most"), std::string::npos);
  EXPECT_NE(refused("", "").find("empty"), std::string::npos);
  EXPECT_EQ(*store->CountUsers(), static_cast<std::int64_t>(kept.size()));

  // List items (scopes, model ids) must be plain identifiers.
  NewApiKey bad_scope = KeyFor(std::nullopt, "BadScope");
  bad_scope.scopes = {"chat", "evil,admin"};
  EXPECT_EQ(store->CreateKey(bad_scope).status().code(), StatusCode::kInvalidArgument);
  NewApiKey bad_model = KeyFor(std::nullopt, "BadModel");
  bad_model.allowed_models = std::vector<std::string>{"ok", "two\nlines"};
  EXPECT_EQ(store->CreateKey(bad_model).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store->ListKeys(std::nullopt)->size(), kept.size());
  // A 10 KB conversation title with every kind of character survives too.
  auto owner = store->FindUser("user0'\"😀");
  ASSERT_TRUE(owner.ok());
  const std::string title = std::string(10 * 1024, 'q') + "'\";\t🦙\x7f";
  auto conversation = store->CreateConversation({0, owner->id, title, "m", "[]", 1, 1});
  ASSERT_TRUE(conversation.ok()) << conversation.status().ToString();
  EXPECT_EQ(store->FindConversation(conversation->id)->title, title);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::Values("sqlite", "postgres"), BackendName);

}  // namespace
}  // namespace citadel::store::testing
