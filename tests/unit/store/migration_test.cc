// Migrations: a database at every earlier schema version, with data in it,
// opens at the current version with its data intact; a database newer than
// the binary is refused and left alone.
#include <gtest/gtest.h>

#include "store_fixture.h"

namespace citadel::store::testing {
namespace {

// Rows a database at `version` can hold, written with that version's columns.
void Populate(
    const std::string& url, int version,
    const std::function<void(const std::string&, const std::string&, std::vector<SqlValue>)>& sql) {
  sql(url,
      "INSERT INTO users (name, display_name, role, password_hash, created_at)"
      " VALUES (?, ?, 'admin', '$argon2id$old', 100)",
      {std::string("old'admin"), std::string("Émile 🦙")});
  sql(url,
      "INSERT INTO api_keys (name, owner_user_id, prefix, hash_hex, scopes, allowed_models,"
      " created_at) VALUES ('legacy', 1, 'Legacy00', ?, 'chat,admin', 'm1\nm2', 200)",
      {std::string(56, 'b') + "Legacy00"});
  if (version >= 2) {
    sql(url, "UPDATE api_keys SET rpm_limit = 7, last_used_ip = '10.0.0.9' WHERE prefix = ?",
        {std::string("Legacy00")});
  }
}

TEST_P(StoreTest, MigratesFromEveryEarlierVersionWithData) {
  for (int version = 1; version < kCurrentSchemaVersion; ++version) {
    SCOPED_TRACE("from schema version " + std::to_string(version));
    const std::string url = FreshUrl();
    {
      auto old = OpenAt(url, version);
      ASSERT_NE(old, nullptr);
      EXPECT_EQ(old->schema_version(), version);
    }
    Populate(url, version,
             [&](const std::string& u, const std::string& q, std::vector<SqlValue> p) {
               SqlAt(u, q, std::move(p));
             });
    auto store = OpenAt(url);
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->schema_version(), kCurrentSchemaVersion);
    auto user = store->FindUser("old'admin");
    ASSERT_TRUE(user.ok()) << user.status().ToString();
    EXPECT_EQ(user->display_name, "Émile 🦙");
    EXPECT_EQ(user->role, Role::kAdmin);
    auto keys = store->FindKeysByPrefix("Legacy00");
    ASSERT_TRUE(keys.ok());
    ASSERT_EQ(keys->size(), 1u);
    const ApiKey& key = (*keys)[0];
    EXPECT_EQ(key.owner_name, "old'admin");
    EXPECT_EQ(key.scopes, (std::vector<std::string>{"chat", "admin"}));
    EXPECT_EQ(key.allowed_models, (std::vector<std::string>{"m1", "m2"}));
    EXPECT_EQ(key.limits.requests_per_minute,
              version >= 2 ? std::optional<std::int64_t>(7) : std::nullopt);
    EXPECT_EQ(key.last_used_ip, version >= 2 ? "10.0.0.9" : "");
    // Tables of later versions work.
    auto conversation = store->CreateConversation({0, user->id, "t", "m", "[]", 1, 1});
    EXPECT_TRUE(conversation.ok()) << conversation.status().ToString();
    // Opening again is a no-op.
    EXPECT_NE(OpenAt(url), nullptr);
  }
}

// Migrations run in one transaction: when a later step fails, the earlier
// steps of the same run are undone and the recorded version stays put.
TEST_P(StoreTest, AFailedMigrationLeavesTheOldVersionWhole) {
  ASSERT_NE(Open(1), nullptr);
  // Version 3 creates this table; having it already makes step 3 fail after step 2 ran.
  Sql("CREATE TABLE conversations (id INTEGER)");
  auto failed = OpenStore(url_);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find("schema migration 3"), std::string::npos)
      << failed.status().message();
  auto old = Open(1);
  ASSERT_NE(old, nullptr);
  EXPECT_EQ(old->schema_version(), 1);
  // Step 2's column is not there: this insert must fail.
  auto db = OpenSqlDatabase(url_);
  ASSERT_TRUE(db.ok());
  Status status = (*db)->Transact([](SqlSession& session) {
    return session.Execute("UPDATE api_keys SET rpm_limit = 1").status();
  });
  EXPECT_FALSE(status.ok());
}

TEST_P(StoreTest, RefusesASchemaNewerThanTheBinary) {
  ASSERT_NE(Open(), nullptr);
  Sql("UPDATE citadel_meta SET value = ? WHERE name = 'schema_version'",
      {std::int64_t{kCurrentSchemaVersion + 5}});
  auto store = OpenStore(url_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("newer than this citadel"), std::string::npos)
      << store.status().message();
  EXPECT_NE(store.status().message().find(std::to_string(kCurrentSchemaVersion + 5)),
            std::string::npos);
}

TEST_P(StoreTest, RejectsAnUnknownTargetVersion) {
  StoreOptions options;
  options.schema_version = kCurrentSchemaVersion + 1;
  EXPECT_EQ(OpenStore(url_, options).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace citadel::store::testing
