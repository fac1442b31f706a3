// SqlStore: the Store, written once over an SqlDatabase (SQLite or
// PostgreSQL). Validates every value before it reaches SQL and maps
// constraint failures to the Store's codes with messages naming the row.
//
// Thread-safe (the SqlDatabase serialises each call on one connection).
#pragma once

#include <memory>

#include "store/sql_database.h"
#include "store/store.h"

namespace citadel::store {

// Migrates `db` to `schema_version` (normally the current one) and wraps it.
Result<std::unique_ptr<Store>> OpenSqlStore(std::unique_ptr<SqlDatabase> db, int schema_version);

class SqlStore final : public Store {
 public:
  SqlStore(std::unique_ptr<SqlDatabase> db, int schema_version)
      : db_(std::move(db)), schema_version_(schema_version) {}

  std::string_view backend() const override;
  int schema_version() const override { return schema_version_; }

  Result<User> CreateUser(const NewUser& user) override;
  Result<User> FindUser(std::string_view name) override;
  Result<User> FindUserById(std::int64_t id) override;
  Result<std::vector<User>> ListUsers() override;
  Result<std::int64_t> CountUsers() override;
  Result<User> SetUserDisabled(std::string_view name, bool disabled) override;
  Result<User> SetUserPassword(std::string_view name, std::string_view password_hash) override;
  Status RecordLogin(std::string_view name, std::int64_t at) override;

  Result<ApiKey> CreateKey(const NewApiKey& key) override;
  Result<ApiKey> FindKey(std::int64_t id) override;
  Result<std::vector<ApiKey>> FindKeysByPrefix(std::string_view prefix) override;
  Result<std::vector<ApiKey>> ListKeys(std::optional<std::int64_t> owner_user_id) override;
  Result<ApiKey> RevokeKey(std::int64_t id, std::int64_t at) override;
  Status RecordKeyUse(std::int64_t id, std::int64_t at, std::string_view client_ip) override;
  Result<std::int64_t> AuthEpoch() override;

  Result<Conversation> CreateConversation(const Conversation& conversation) override;
  Result<Conversation> FindConversation(std::int64_t id) override;
  Result<std::vector<Conversation>> ListConversations(std::int64_t owner_user_id) override;
  Result<Conversation> UpdateConversation(const Conversation& conversation) override;
  Status DeleteConversation(std::int64_t id) override;

  Result<std::int64_t> AppendAudit(const AuditBuilder& build) override {
    return store::AppendAudit(*db_, build);
  }
  Result<std::vector<AuditRow>> ReadAudit(const AuditQuery& query) override {
    return store::ReadAudit(*db_, query);
  }
  Result<std::vector<AuditCheckpointRow>> ReadAuditCheckpoints(std::int64_t from_seq,
                                                               std::int64_t to_seq) override {
    return store::ReadAuditCheckpoints(*db_, from_seq, to_seq);
  }
  Result<std::int64_t> DeleteAudit(std::int64_t through_seq) override {
    return store::DeleteAudit(*db_, through_seq);
  }

 private:
  // Runs `body` in a transaction that also bumps the auth epoch (and tells
  // other processes), then bumps the local epoch once it committed.
  Status TransactAuthChange(const std::function<Status(SqlSession&)>& body);
  Result<User> UserWhere(std::string_view condition, const SqlValue& value);
  Result<std::vector<ApiKey>> KeysWhere(std::string_view condition,
                                        std::span<const SqlValue> params);

  std::unique_ptr<SqlDatabase> db_;
  const int schema_version_;
};

}  // namespace citadel::store
