// Opening the store a `store.url` names:
//   sqlite:PATH                 an SQLite file (created with its folder when absent)
//   postgres://USER:PASS@HOST:PORT/DB?sslmode=require   (also postgresql://)
// An empty URL means DefaultStoreUrl(data_dir). The database is migrated to
// the current schema before the store is returned.
//
// Thread-safe free functions.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "store/migrations.h"
#include "store/sql_database.h"
#include "store/store.h"

namespace citadel::store {

struct StoreOptions {
  int schema_version = kCurrentSchemaVersion;  // tests migrate to older versions
  int busy_timeout_ms = 5000;                  // SQLite: wait this long for another writer
  int pool_size = 4;                           // PostgreSQL connections
};

// "sqlite:DATA_DIR/citadel.db".
std::string DefaultStoreUrl(std::string_view data_dir);

// The URL with any password replaced by "****", for messages and logs.
std::string RedactStoreUrl(std::string_view url);

// InvalidArgument for an unknown scheme; the backend's errors otherwise
// (each names the file or the redacted URL).
Result<std::unique_ptr<Store>> OpenStore(std::string_view url, const StoreOptions& options = {});

// The database a URL names, not migrated (for tools and tests that need raw SQL).
Result<std::unique_ptr<SqlDatabase>> OpenSqlDatabase(std::string_view url,
                                                     const StoreOptions& options = {});

}  // namespace citadel::store
