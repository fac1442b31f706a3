// PostgreSQL specifics: URL parameters reach libpq, passwords stay out of
// messages, placeholders are rewritten outside literals only, and a store
// keeps working when the server restarts under it.
#include <gtest/gtest.h>

#include <thread>

#include "store/postgres_connection.h"
#include "store/postgres_database.h"
#include "store_fixture.h"

namespace citadel::store::testing {
namespace {

class PostgresTest : public StoreTest {};

TEST(PostgresPlaceholderTest, QuestionMarksOutsideQuotesBecomeNumbered) {
  EXPECT_EQ(ToDollarPlaceholders("SELECT a FROM t WHERE b = ? AND c = ?"),
            "SELECT a FROM t WHERE b = $1 AND c = $2");
  EXPECT_EQ(ToDollarPlaceholders("SELECT '?', 'it''s ?', \"q?\" FROM t WHERE x = ?"),
            "SELECT '?', 'it''s ?', \"q?\" FROM t WHERE x = $1");
  EXPECT_EQ(ToDollarPlaceholders("no placeholders"), "no placeholders");
}

TEST_P(PostgresTest, UrlParametersReachLibpq) {
  // The test server has no TLS: sslmode=require must be refused, not ignored.
  std::string url = url_;
  url.replace(url.find("sslmode=disable"), 15, "sslmode=require");
  auto store = OpenStore(url);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(store.status().message().find("SSL"), std::string::npos) << store.status().message();
  // application_name is one more parameter passed through.
  auto named = OpenSqlDatabase(url_ + "&application_name=citadel_probe");
  ASSERT_TRUE(named.ok()) << named.status().ToString();
  std::string seen;
  ASSERT_TRUE((*named)
                  ->Read([&](SqlSession& session) -> Status {
                    CITADEL_ASSIGN_OR_RETURN(
                        auto rows,
                        session.Query("SELECT current_setting(?)",
                                      std::vector<SqlValue>{std::string("application_name")}));
                    seen = AsText(rows.at(0)[0]);
                    return OkStatus();
                  })
                  .ok());
  EXPECT_EQ(seen, "citadel_probe");
}

TEST_P(PostgresTest, AFailedConnectionIsUnavailableWithoutThePassword) {
  const std::string url =
      "postgresql://citadel:s3cret-pass@127.0.0.1:" + std::to_string(server_->port()) +
      "/no_such_database?sslmode=disable";
  auto store = OpenStore(url);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(store.status().message().find("s3cret-pass"), std::string::npos)
      << store.status().message();
  EXPECT_NE(store.status().message().find("no_such_database"), std::string::npos)
      << store.status().message();
}

TEST_P(PostgresTest, KeepsWorkingAfterTheServerRestarts) {
  StoreOptions options;
  options.pool_size = 3;
  auto opened = OpenStore(url_, options);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  Store& store = **opened;
  ASSERT_TRUE(store.CreateUser({"before", "", Role::kUser, "", 1}).ok());
  // Fill the pool: every connection breaks at the restart.
  std::vector<std::thread> readers;
  for (int i = 0; i < 3; ++i) readers.emplace_back([&] { (void)store.ListUsers(); });
  for (auto& t : readers) t.join();

  ASSERT_TRUE(server_->Restart().ok());
  auto before = store.FindUser("before");  // a read on a broken connection: retried
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  auto after = store.CreateUser({"after", "", Role::kUser, "", 2});  // a write: retried
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  auto users = store.ListUsers();
  ASSERT_TRUE(users.ok()) << users.status().ToString();
  EXPECT_EQ(users->size(), 2u);
}

TEST_P(PostgresTest, ARefusedStatementRollsBackItsTransaction) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  auto db = OpenSqlDatabase(url_);
  ASSERT_TRUE(db.ok());
  Status status = (*db)->Transact([](SqlSession& session) -> Status {
    CITADEL_TRY(session
                    .Execute("INSERT INTO users (name, role, created_at) VALUES (?, 'user', 1)",
                             std::vector<SqlValue>{std::string("ghost")})
                    .status());
    return session
        .Execute("INSERT INTO users (name, role, created_at) VALUES (?, 'nobody', 1)",
                 std::vector<SqlValue>{std::string("ghost2")})
        .status();  // violates the role CHECK
  });
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.ToString();
  EXPECT_EQ(store->FindUser("ghost").status().code(), StatusCode::kNotFound);
}

// Waits (up to 10 s) until `db`'s LISTEN thread reports an epoch that `ok` accepts.
std::optional<std::int64_t> WaitForWatchedEpoch(const SqlDatabase& db,
                                                const std::function<bool(std::int64_t)>& ok) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto epoch = db.WatchedAuthEpoch(); epoch && ok(*epoch)) return epoch;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return std::nullopt;
}

// The auth epoch of a replica follows another replica's revokes through
// NOTIFY alone (WatchedAuthEpoch never queries), and again once the listener
// reconnected after a server restart.
TEST_P(PostgresTest, RevokesElsewhereArriveByNotify) {
  auto writer = Open();
  ASSERT_NE(writer, nullptr);
  auto watcher = OpenSqlDatabase(url_);
  ASSERT_TRUE(watcher.ok()) << watcher.status().ToString();
  auto start = WaitForWatchedEpoch(**watcher, [](std::int64_t) { return true; });
  ASSERT_TRUE(start.has_value()) << "the listener never started listening";
  auto user = writer->CreateUser({"nora", "", Role::kUser, "", 1});
  ASSERT_TRUE(user.ok());
  ASSERT_TRUE(writer->SetUserDisabled("nora", true).ok());
  auto heard = WaitForWatchedEpoch(**watcher, [&](std::int64_t e) { return e > *start; });
  ASSERT_TRUE(heard.has_value()) << "no NOTIFY heard within 10 s";
  EXPECT_EQ(*heard, *start + 1);

  ASSERT_TRUE(server_->Restart().ok());
  ASSERT_TRUE(writer->SetUserDisabled("nora", false).ok());  // retried on a new connection
  auto after = WaitForWatchedEpoch(**watcher, [&](std::int64_t e) { return e > *heard; });
  auto last = (*watcher)->WatchedAuthEpoch();
  ASSERT_TRUE(after.has_value()) << "the listener did not come back after the restart: "
                                 << (last ? "stuck at " + std::to_string(*last) : "not listening");
  EXPECT_EQ(*after, *heard + 1);
}

// PostgreSQL only (SQLite has its own file tests).
INSTANTIATE_TEST_SUITE_P(Backends, PostgresTest, ::testing::Values("postgres"), BackendName);

}  // namespace
}  // namespace citadel::store::testing
