#include "store/store_url.h"

#include <filesystem>
#include <system_error>

#include "store/postgres_database.h"
#include "store/sql_store.h"
#include "store/sqlite_database.h"

namespace citadel::store {
namespace {

Result<std::unique_ptr<SqlDatabase>> OpenSqlite(const std::string& path,
                                                const StoreOptions& options) {
  if (path.empty()) return InvalidArgumentError("sqlite: URL names no file (sqlite:PATH)");
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  std::error_code error;
  if (!parent.empty() && !std::filesystem::exists(parent, error)) {
    std::filesystem::create_directories(parent, error);
    if (error) {
      return FailedPreconditionError("cannot create the store folder " + parent.string() + ": " +
                                     error.message());
    }
  }
  CITADEL_ASSIGN_OR_RETURN(auto db, SqliteDatabase::Open(path, options.busy_timeout_ms));
  return std::unique_ptr<SqlDatabase>(std::move(db));
}

}  // namespace

std::string DefaultStoreUrl(std::string_view data_dir) {
  std::string dir(data_dir.empty() ? "./citadel-data" : data_dir);
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return "sqlite:" + dir + "/citadel.db";
}

std::string RedactStoreUrl(std::string_view url) {
  const size_t scheme = url.find("://");
  const size_t at = url.find('@');
  if (scheme == std::string_view::npos || at == std::string_view::npos || at < scheme) {
    return std::string(url);
  }
  const size_t colon = url.find(':', scheme + 3);
  if (colon == std::string_view::npos || colon > at) return std::string(url);
  return std::string(url.substr(0, colon + 1)) + "****" + std::string(url.substr(at));
}

Result<std::unique_ptr<SqlDatabase>> OpenSqlDatabase(std::string_view url,
                                                     const StoreOptions& options) {
  if (url.starts_with("sqlite:")) {
    std::string_view path = url.substr(7);
    if (path.starts_with("//")) path.remove_prefix(2);
    return OpenSqlite(std::string(path), options);
  }
  if (url.starts_with("postgres://") || url.starts_with("postgresql://")) {
    CITADEL_ASSIGN_OR_RETURN(auto db, PostgresDatabase::Open(std::string(url), options.pool_size));
    return std::unique_ptr<SqlDatabase>(std::move(db));
  }
  return InvalidArgumentError("store.url '" + RedactStoreUrl(url) +
                              "' is neither sqlite:PATH nor postgres://...");
}

Result<std::unique_ptr<Store>> OpenStore(std::string_view url, const StoreOptions& options) {
  CITADEL_ASSIGN_OR_RETURN(auto db, OpenSqlDatabase(url, options));
  return OpenSqlStore(std::move(db), options.schema_version);
}

}  // namespace citadel::store
