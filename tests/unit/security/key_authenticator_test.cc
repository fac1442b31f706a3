#include "security/key_authenticator.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <random>
#include <thread>

#include "postgres_server.h"
#include "security/key_issuer.h"
#include "security/password_bootstrap.h"
#include "store/store_url.h"
#include "test_databases.h"

namespace citadel::security {
namespace {

// Runs on every backend ("sqlite", "postgres"); each test gets a fresh database.
class KeyAuthenticatorTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgres") {
      if (auto missing = store::testing::PostgresServer::MissingBinaries())
        GTEST_SKIP() << *missing;
      auto server = store::testing::PostgresServer::Shared();
      ASSERT_TRUE(server.ok()) << server.status().ToString();
      server_ = *server;
    }
    url_ = FreshUrl();
    store_ = OpenOrDie();
    ASSERT_NE(store_, nullptr);
  }
  void TearDown() override { store_.reset(); }
  std::string FreshUrl() {
    const std::string name = store::testing::UniqueName("auth");
    if (server_ == nullptr) return "sqlite:" + (scratch_.path() / (name + ".db")).string();
    auto url = server_->CreateDatabase(name);
    EXPECT_TRUE(url.ok()) << url.status().ToString();
    return url.ok() ? *url : "";
  }
  std::unique_ptr<store::Store> OpenOrDie() {
    auto store = store::OpenStore(url_);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }
  // citadel_meta.auth_epoch as stored, read past the store.
  std::int64_t EpochRow() {
    auto db = store::OpenSqlDatabase(url_);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    std::int64_t value = -1;
    Status status = (*db)->Read([&](store::SqlSession& session) -> Status {
      CITADEL_ASSIGN_OR_RETURN(
          auto rows, session.Query("SELECT value FROM citadel_meta WHERE name = 'auth_epoch'"));
      value = store::AsInt(rows.at(0)[0]);
      return OkStatus();
    });
    EXPECT_TRUE(status.ok()) << status.ToString();
    return value;
  }
  IssuedKey Issue(KeySpec spec = {}) {
    if (spec.name.empty()) spec.name = "test";
    if (spec.scopes.empty()) spec.scopes = {"chat"};
    auto issued = IssueKey(*store_, spec, clock_.UnixSeconds());
    EXPECT_TRUE(issued.ok()) << issued.status().ToString();
    return std::move(issued).value();
  }

  store::testing::ScratchDir scratch_;
  store::testing::PostgresServer* server_ = nullptr;
  std::string url_;
  ManualClock clock_{1700000000};
  std::unique_ptr<store::Store> store_;
};

TEST_P(KeyAuthenticatorTest, AcceptsAnIssuedKeyWithItsScopesModelsAndLimits) {
  KeySpec spec;
  spec.scopes = {"chat", "models:read"};
  spec.allowed_models = std::vector<std::string>{"small"};
  spec.limits.requests_per_minute = 100;
  const IssuedKey issued = Issue(spec);
  KeyAuthenticator auth(*store_, clock_);
  for (int i = 0; i < 3; ++i) {  // miss, then hits
    auto identity = auth.Authenticate(issued.key, "10.1.2.3");
    ASSERT_TRUE(identity.ok()) << identity.status().ToString();
    EXPECT_EQ((*identity)->key_id, issued.record.id);
    EXPECT_TRUE((*identity)->HasScope(Scope::kChat));
    EXPECT_FALSE((*identity)->HasScope(Scope::kAdmin));
    EXPECT_TRUE((*identity)->AllowsModel("small"));
    EXPECT_FALSE((*identity)->AllowsModel("big"));
    EXPECT_EQ((*identity)->limits.requests_per_minute, 100);
  }
  auto stored = store_->FindKey(issued.record.id);
  EXPECT_EQ(stored->last_used_at, clock_.UnixSeconds());
  EXPECT_EQ(stored->last_used_ip, "10.1.2.3");
}

TEST_P(KeyAuthenticatorTest, RefusesUnknownMalformedRevokedExpiredAndDisabled) {
  KeyAuthenticator auth(*store_, clock_);
  const IssuedKey issued = Issue();
  std::string unknown = issued.key;
  unknown.back() = unknown.back() == 'a' ? 'b' : 'a';  // same prefix, other hash
  ASSERT_TRUE(auth.Authenticate(issued.key).ok());
  const auto code = [&](const std::string& key) { return auth.Authenticate(key).status().code(); };
  EXPECT_EQ(code(unknown), StatusCode::kUnauthenticated);
  EXPECT_EQ(code("cit_short"), StatusCode::kUnauthenticated);
  EXPECT_EQ(code("cit_" + std::string(43, 'Q')), StatusCode::kUnauthenticated);

  KeySpec expiring;
  expiring.expires_at = clock_.UnixSeconds() + 60;
  const IssuedKey soon = Issue(expiring);
  EXPECT_TRUE(auth.Authenticate(soon.key).ok());
  clock_.AdvanceSeconds(61);
  auto expired = auth.Authenticate(soon.key);
  EXPECT_EQ(expired.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(expired.status().message().find("expired"), std::string::npos);
  EXPECT_EQ(expired.status().message().find(soon.key), std::string::npos);

  auto user = store_->CreateUser({"carol", "", store::Role::kUser, "", 1});
  KeySpec owned;
  owned.owner_user_id = user->id;
  const IssuedKey carols = Issue(owned);
  EXPECT_TRUE(auth.Authenticate(carols.key).ok());
  ASSERT_TRUE(store_->SetUserDisabled("carol", true).ok());
  EXPECT_EQ(code(carols.key), StatusCode::kUnauthenticated);
  ASSERT_TRUE(store_->SetUserDisabled("carol", false).ok());
  EXPECT_TRUE(auth.Authenticate(carols.key).ok());

  ASSERT_TRUE(store_->RevokeKey(issued.record.id, clock_.UnixSeconds()).ok());
  auto revoked = auth.Authenticate(issued.key);
  EXPECT_EQ(revoked.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(revoked.status().message().find("revoked"), std::string::npos);
}

// Another replica (a second Store on the same database) revokes a key this
// authenticator has cached: the revoke is seen within 1 second (SQLite: the
// epoch row poll; PostgreSQL: NOTIFY heard by the listener thread).
TEST_P(KeyAuthenticatorTest, ARevokeOnAnotherReplicaIsSeenWithinOneSecond) {
  SystemClock clock;
  KeyAuthenticator auth(*store_, clock);
  const IssuedKey issued = Issue();
  ASSERT_TRUE(auth.Authenticate(issued.key).ok());
  auto other = OpenOrDie();
  ASSERT_NE(other, nullptr);
  ASSERT_TRUE(other->RevokeKey(issued.record.id, 1).ok());
  const auto revoked_at = std::chrono::steady_clock::now();
  const auto deadline = revoked_at + std::chrono::seconds(5);
  Status status = OkStatus();
  while (std::chrono::steady_clock::now() < deadline) {
    status = auth.Authenticate(issued.key).status();
    if (!status.ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const auto seen_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - revoked_at)
                           .count();
  EXPECT_EQ(status.code(), StatusCode::kUnauthenticated) << status.ToString();
  EXPECT_LT(seen_ms, 1000) << "the revoke took " << seen_ms << " ms to be seen";
}

TEST_P(KeyAuthenticatorTest, FirstAdminIsCreatedOnceWithAPrintedOrGivenPassword) {
  const Argon2Params fast{1, 1024, 1};
  auto first = EnsureAdminUser(*store_, std::nullopt, 5, fast);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(first->created);
  EXPECT_EQ(first->generated_password.size(), 20u);
  auto admin = store_->FindUser("admin");
  ASSERT_TRUE(admin.ok());
  EXPECT_EQ(admin->role, store::Role::kAdmin);
  EXPECT_TRUE(*VerifyPassword(first->generated_password, admin->password_hash));
  auto second = EnsureAdminUser(*store_, std::nullopt, 6, fast);
  EXPECT_FALSE(second->created);

  ASSERT_TRUE(store_->CreateUser({"x", "", store::Role::kUser, "", 1}).ok());
  store_.reset();
  url_ = FreshUrl();
  store_ = OpenOrDie();
  auto given = EnsureAdminUser(*store_, std::string("from-the-environment"), 7, fast);
  ASSERT_TRUE(given->created);
  EXPECT_TRUE(given->generated_password.empty());
  EXPECT_TRUE(*VerifyPassword("from-the-environment", store_->FindUser("admin")->password_hash));
  EXPECT_EQ(EnsureAdminUser(*store_, std::string("short"), 7, fast).status().code(),
            StatusCode::kOk);  // users exist now: nothing to check
}

// 8 threads issue and revoke keys while 8 threads authenticate them: every
// key is stored and revoked (no lost update) and no key is accepted by an
// Authenticate that started after its revoke returned.
TEST_P(KeyAuthenticatorTest, ConcurrentRevokesAreNeverMissed) {
  const std::int64_t epoch_before = EpochRow();
  SystemClock clock;
  KeyAuthenticator auth(*store_, clock);
  struct Tracked {
    std::string key;
    std::int64_t id = 0;
    std::atomic<bool> ready{false};  // key and id written
    std::atomic<bool> revoked{false};
  };
  constexpr int kWriters = 8, kReaders = 8, kKeysPerWriter = 12;
  std::vector<std::unique_ptr<Tracked>> tracked(kWriters * kKeysPerWriter);
  for (auto& t : tracked) t = std::make_unique<Tracked>();
  std::atomic<bool> done{false};
  std::atomic<int> violations{0}, accepted{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < kKeysPerWriter; ++i) {
        Tracked& t = *tracked[w * kKeysPerWriter + i];
        KeySpec spec{"k" + std::to_string(w) + "_" + std::to_string(i), {}, {"chat"}, {}, {}, {}};
        auto issued = IssueKey(*store_, spec, clock.UnixSeconds());
        ASSERT_TRUE(issued.ok()) << issued.status().ToString();
        t.key = issued->key;
        t.id = issued->record.id;
        t.ready.store(true, std::memory_order_release);
        ASSERT_TRUE(auth.Authenticate(t.key).ok());  // warm the cache
        ASSERT_TRUE(store_->RevokeKey(t.id, clock.UnixSeconds()).ok());
        t.revoked.store(true);
      }
    });
  }
  for (int r = 0; r < kReaders; ++r) {
    threads.emplace_back([&, r] {
      std::mt19937 rng(r);
      while (!done.load()) {
        Tracked& t = *tracked[rng() % tracked.size()];
        if (!t.ready.load(std::memory_order_acquire)) continue;
        const bool revoked_before = t.revoked.load();
        auto result = auth.Authenticate(t.key);
        if (result.ok()) {
          accepted.fetch_add(1);
          if (revoked_before) violations.fetch_add(1);
        }
      }
    });
  }
  for (int w = 0; w < kWriters; ++w) threads[w].join();
  done.store(true);
  for (int r = kWriters; r < kWriters + kReaders; ++r) threads[r].join();
  EXPECT_EQ(violations.load(), 0);
  auto keys = store_->ListKeys(std::nullopt);
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), tracked.size());
  for (const store::ApiKey& key : *keys) EXPECT_TRUE(key.revoked) << key.name;
  // Every revoke bumped the shared epoch row once: concurrent increments were not lost.
  EXPECT_EQ(EpochRow() - epoch_before, static_cast<std::int64_t>(tracked.size()));
}

TEST_P(KeyAuthenticatorTest, TheIdentityCarriesItsOwnersRole) {
  auto auditor = store_->CreateUser({"audrey", "", store::Role::kAuditor, "", 1});
  auto admin = store_->CreateUser({"adam", "", store::Role::kAdmin, "", 1});
  ASSERT_TRUE(auditor.ok() && admin.ok());
  KeySpec spec;
  spec.owner_user_id = auditor->id;
  const IssuedKey auditors = Issue(spec);
  spec.owner_user_id = admin->id;
  const IssuedKey admins = Issue(spec);
  const IssuedKey service = Issue();
  KeyAuthenticator auth(*store_, clock_);
  for (int pass = 0; pass < 2; ++pass) {  // from the store, then from the cache
    auto a = auth.Authenticate(auditors.key);
    auto b = auth.Authenticate(admins.key);
    auto c = auth.Authenticate(service.key);
    ASSERT_TRUE(a.ok() && b.ok() && c.ok());
    EXPECT_EQ((*a)->owner_role, store::Role::kAuditor);
    EXPECT_EQ((*a)->owner_name, "audrey");
    EXPECT_EQ((*b)->owner_role, store::Role::kAdmin);
    EXPECT_FALSE((*c)->owner_role.has_value());
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, KeyAuthenticatorTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace citadel::security
