// StoreTest: the fixture every store suite runs under, once per backend
// ("sqlite", "postgres"). Each test gets a fresh, empty database and its URL.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "store/store.h"
#include "store/store_url.h"
#include "test_databases.h"

#if CITADEL_TEST_POSTGRES
#include "postgres_server.h"
#endif

namespace citadel::store::testing {

class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
#if CITADEL_TEST_POSTGRES
    if (GetParam() == "postgres") {
      // Skipped only where the server cannot be had; a server that fails to start fails.
      if (auto missing = PostgresServer::MissingBinaries()) GTEST_SKIP() << *missing;
      auto server = PostgresServer::Shared();
      ASSERT_TRUE(server.ok()) << server.status().ToString();
      server_ = *server;
    }
#else
    if (GetParam() == "postgres") GTEST_SKIP() << "PostgreSQL tests not built";
#endif
    url_ = FreshUrl();
  }

  // The URL of a new, empty database on this test's backend.
  std::string FreshUrl() {
    if (GetParam() == "sqlite") {
      return "sqlite:" + (scratch_.path() / (UniqueName("store") + ".db")).string();
    }
#if CITADEL_TEST_POSTGRES
    auto url = server_->CreateDatabase(UniqueName("citadel"));
    EXPECT_TRUE(url.ok()) << url.status().ToString();
    return url.ok() ? *url : "";
#else
    return "";
#endif
  }

  // Opens the store at the current schema version (or `version`).
  std::unique_ptr<Store> Open(int version = kCurrentSchemaVersion) {
    return OpenAt(url_, version);
  }
  std::unique_ptr<Store> OpenAt(const std::string& url, int version = kCurrentSchemaVersion) {
    StoreOptions options;
    options.schema_version = version;
    auto store = OpenStore(url, options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  // Runs raw SQL (with ? placeholders) on the database, outside the store.
  void Sql(const std::string& sql, std::vector<SqlValue> params = {}) {
    SqlAt(url_, sql, params);
  }
  void SqlAt(const std::string& url, const std::string& sql, std::vector<SqlValue> params = {}) {
    auto db = OpenSqlDatabase(url);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    Status status =
        (*db)->Transact([&](SqlSession& session) { return session.Execute(sql, params).status(); });
    ASSERT_TRUE(status.ok()) << sql << ": " << status.ToString();
  }

  ScratchDir scratch_;
  std::string url_;
#if CITADEL_TEST_POSTGRES
  PostgresServer* server_ = nullptr;  // the shared one, on the postgres backend
#endif
};

inline std::string BackendName(const ::testing::TestParamInfo<std::string>& info) {
  return info.param;
}

}  // namespace citadel::store::testing
