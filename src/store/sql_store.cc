#include "store/sql_store.h"

#include <array>

#include "store/migrations.h"
#include "store/text_rules.h"

namespace citadel::store {
namespace {

constexpr size_t kMaxNameBytes = 256;
constexpr size_t kMaxTextBytes = 16 * 1024;
constexpr char kScopeSeparator = ',';
constexpr char kModelSeparator = '\n';

constexpr std::string_view kUserColumns =
    "SELECT id, name, display_name, role, password_hash, disabled, created_at, last_login_at"
    " FROM users";
constexpr std::string_view kKeyColumns =
    "SELECT k.id, k.name, k.owner_user_id, COALESCE(u.name, ''), COALESCE(u.disabled, 0),"
    " k.prefix, k.hash_hex, k.scopes, k.allowed_models, k.expires_at, k.rpm_limit, k.tpm_limit,"
    " k.stream_limit, k.revoked, k.created_at, k.revoked_at, k.last_used_at, k.last_used_ip,"
    " u.role FROM api_keys k LEFT JOIN users u ON u.id = k.owner_user_id";

User UserFromRow(const SqlRow& row) {
  User user;
  user.id = AsInt(row[0]);
  user.name = AsText(row[1]);
  user.display_name = AsText(row[2]);
  auto role = ParseRole(AsText(row[3]));
  user.role = role.ok() ? *role : Role::kUser;  // the CHECK constraint keeps it valid
  user.password_hash = AsText(row[4]);
  user.disabled = AsInt(row[5]) != 0;
  user.created_at = AsInt(row[6]);
  user.last_login_at = AsOptionalInt(row[7]);
  return user;
}

ApiKey KeyFromRow(const SqlRow& row) {
  ApiKey key;
  key.id = AsInt(row[0]);
  key.name = AsText(row[1]);
  key.owner_user_id = AsOptionalInt(row[2]);
  key.owner_name = AsText(row[3]);
  key.owner_disabled = AsInt(row[4]) != 0;
  key.prefix = AsText(row[5]);
  key.hash_hex = AsText(row[6]);
  key.scopes = SplitList(AsText(row[7]), kScopeSeparator);
  if (!std::holds_alternative<std::nullptr_t>(row[8])) {
    key.allowed_models = SplitList(AsText(row[8]), kModelSeparator);
  }
  key.expires_at = AsOptionalInt(row[9]);
  key.limits.requests_per_minute = AsOptionalInt(row[10]);
  key.limits.tokens_per_minute = AsOptionalInt(row[11]);
  key.limits.concurrent_streams = AsOptionalInt(row[12]);
  key.revoked = AsInt(row[13]) != 0;
  key.created_at = AsInt(row[14]);
  key.revoked_at = AsOptionalInt(row[15]);
  key.last_used_at = AsOptionalInt(row[16]);
  key.last_used_ip = AsText(row[17]);
  if (!std::holds_alternative<std::nullptr_t>(row[18])) {
    auto role = ParseRole(AsText(row[18]));
    key.owner_role = role.ok() ? *role : Role::kUser;  // the CHECK constraint keeps it valid
  }
  return key;
}

Conversation ConversationFromRow(const SqlRow& row) {
  return {AsInt(row[0]),  AsInt(row[1]), AsText(row[2]), AsText(row[3]),
          AsText(row[4]), AsInt(row[5]), AsInt(row[6])};
}

Status CheckUser(const NewUser& user) {
  CITADEL_TRY(CheckText("user name", user.name, TextKind::kIdentifier, kMaxNameBytes, false));
  CITADEL_TRY(CheckText("display name", user.display_name, TextKind::kFreeText, kMaxTextBytes));
  return CheckText("password hash", user.password_hash, TextKind::kIdentifier, 1024);
}

Status CheckLimit(std::string_view field, const std::optional<std::int64_t>& value) {
  if (value && *value <= 0) {
    return InvalidArgumentError(std::string(field) + " must be a positive number, got " +
                                std::to_string(*value));
  }
  return OkStatus();
}

Status CheckKey(const NewApiKey& key) {
  CITADEL_TRY(CheckText("key name", key.name, TextKind::kFreeText, kMaxTextBytes, false));
  CITADEL_TRY(CheckText("key prefix", key.prefix, TextKind::kIdentifier, 64, false));
  CITADEL_TRY(CheckText("key hash", key.hash_hex, TextKind::kIdentifier, 128, false));
  CITADEL_TRY(CheckLimit("requests per minute", key.limits.requests_per_minute));
  CITADEL_TRY(CheckLimit("tokens per minute", key.limits.tokens_per_minute));
  return CheckLimit("concurrent streams", key.limits.concurrent_streams);
}

Status CheckConversation(const Conversation& c) {
  CITADEL_TRY(CheckText("conversation title", c.title, TextKind::kFreeText, kMaxTextBytes));
  CITADEL_TRY(CheckText("conversation model", c.model, TextKind::kIdentifier, kMaxNameBytes));
  return CheckText("conversation messages", c.messages_json, TextKind::kFreeText, 64 << 20);
}

// The one row a single-row lookup expects, or NotFound with `what`.
template <typename T, typename F>
Result<T> OneRow(const std::vector<SqlRow>& rows, F&& convert, const std::string& what) {
  if (rows.empty()) return NotFoundError(what + " does not exist");
  return convert(rows[0]);
}

}  // namespace

Result<std::unique_ptr<Store>> OpenSqlStore(std::unique_ptr<SqlDatabase> db, int schema_version) {
  CITADEL_ASSIGN_OR_RETURN(const int version, Migrate(*db, schema_version));
  return std::unique_ptr<Store>(new SqlStore(std::move(db), version));
}

std::string_view SqlStore::backend() const {
  return db_->dialect() == SqlDialect::kSqlite ? "sqlite" : "postgres";
}

Status SqlStore::TransactAuthChange(const std::function<Status(SqlSession&)>& body) {
  CITADEL_TRY(db_->Transact([&](SqlSession& session) -> Status {
    CITADEL_TRY(body(session));
    CITADEL_TRY(
        session.Execute("UPDATE citadel_meta SET value = value + 1 WHERE name = 'auth_epoch'")
            .status());
    for (const std::string& statement : db_->AuthChangeStatements()) {
      CITADEL_TRY(session.Execute(statement).status());
    }
    return OkStatus();
  }));
  BumpLocalAuthEpoch();
  return OkStatus();
}

// --- users ---

Result<User> SqlStore::CreateUser(const NewUser& user) {
  CITADEL_TRY(CheckUser(user));
  const std::array<SqlValue, 5> params{user.name, user.display_name,
                                       std::string(RoleName(user.role)), user.password_hash,
                                       user.created_at};
  std::int64_t id = 0;
  Status status = db_->Transact([&](SqlSession& session) -> Status {
    CITADEL_ASSIGN_OR_RETURN(
        auto rows, session.Query("INSERT INTO users (name, display_name, role, password_hash,"
                                 " created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
                                 params));
    id = AsInt(rows.at(0)[0]);
    return OkStatus();
  });
  if (status.code() == StatusCode::kAlreadyExists) {
    return AlreadyExistsError("user '" + user.name + "' already exists");
  }
  CITADEL_TRY(status);
  return FindUserById(id);
}

Result<User> SqlStore::UserWhere(std::string_view condition, const SqlValue& value) {
  std::vector<SqlRow> rows;
  const std::array<SqlValue, 1> params{value};
  CITADEL_TRY(db_->Read([&](SqlSession& session) -> Status {
    CITADEL_ASSIGN_OR_RETURN(
        rows,
        session.Query(std::string(kUserColumns) + " WHERE " + std::string(condition), params));
    return OkStatus();
  }));
  const std::string what = std::holds_alternative<std::string>(value)
                               ? "user '" + std::get<std::string>(value) + "'"
                               : "user id " + std::to_string(AsInt(value));
  return OneRow<User>(rows, UserFromRow, what);
}

Result<User> SqlStore::FindUser(std::string_view name) {
  return UserWhere("name = ?", std::string(name));
}

Result<User> SqlStore::FindUserById(std::int64_t id) {
  return UserWhere("id = ?", id);
}

Result<std::vector<User>> SqlStore::ListUsers() {
  std::vector<User> users;
  CITADEL_TRY(db_->Read([&](SqlSession& session) -> Status {
    CITADEL_ASSIGN_OR_RETURN(auto rows, session.Query(std::string(kUserColumns) + " ORDER BY id"));
    for (const SqlRow& row : rows) users.push_back(UserFromRow(row));
    return OkStatus();
  }));
  return users;
}

Result<std::int64_t> SqlStore::CountUsers() {
  std::int64_t count = 0;
  CITADEL_TRY(db_->Read([&](SqlSession& session) -> Status {
    CITADEL_ASSIGN_OR_RETURN(auto rows, session.Query("SELECT count(*) FROM users"));
    count = AsInt(rows.at(0)[0]);
    return OkStatus();
  }));
  return count;
}

Result<User> SqlStore::SetUserDisabled(std::string_view name, bool disabled) {
  const std::array<SqlValue, 2> params{std::int64_t{disabled ? 1 : 0}, std::string(name)};
  CITADEL_TRY(TransactAuthChange([&](SqlSession& session) -> Status {
    CITADEL_ASSIGN_OR_RETURN(
        auto changed, session.Execute("UPDATE users SET disabled = ? WHERE name = ?", params));
    if (changed == 0) return NotFoundError("user '" + std::string(name) + "' does not exist");
    return OkStatus();
  }));
  return FindUser(name);
}

Result<User> SqlStore::SetUserPassword(std::string_view name, std::string_view password_hash) {
  CITADEL_TRY(CheckText("password hash", password_hash, TextKind::kIdentifier, 1024));
  const std::array<SqlValue, 2> params{std::string(password_hash), std::string(name)};
  CITADEL_TRY(db_->Transact([&](SqlSession& session) -> Status {
    CITADEL_ASSIGN_OR_RETURN(
        auto changed, session.Execute("UPDATE users SET password_hash = ? WHERE name = ?", params));
    if (changed == 0) return NotFoundError("user '" + std::string(name) + "' does not exist");
    return OkStatus();
  }));
  return FindUser(name);
}

Status SqlStore::RecordLogin(std::string_view name, std::int64_t at) {
  const std::array<SqlValue, 2> params{at, std::string(name)};
  return db_->Transact([&](SqlSession& session) -> Status {
    CITADEL_ASSIGN_OR_RETURN(
        auto changed, session.Execute("UPDATE users SET last_login_at = ? WHERE name = ?", params));
    if (changed == 0) return NotFoundError("user '" + std::string(name) + "' does not exist");
    return OkStatus();
  });
}

// --- API keys ---

Result<ApiKey> SqlStore::CreateKey(const NewApiKey& key) {
  CITADEL_TRY(CheckKey(key));
  CITADEL_ASSIGN_OR_RETURN(std::string scopes, JoinList("scope", key.scopes, kScopeSeparator));
  SqlValue models = nullptr;
  if (key.allowed_models) {
    CITADEL_ASSIGN_OR_RETURN(models, JoinList("model", *key.allowed_models, kModelSeparator));
  }
  const std::array<SqlValue, 11> params{key.name,
                                        OptionalInt(key.owner_user_id),
                                        key.prefix,
                                        key.hash_hex,
                                        scopes,
                                        models,
                                        OptionalInt(key.expires_at),
                                        OptionalInt(key.limits.requests_per_minute),
                                        OptionalInt(key.limits.tokens_per_minute),
                                        OptionalInt(key.limits.concurrent_streams),
                                        key.created_at};
  std::int64_t id = 0;
  Status status = db_->Transact([&](SqlSession& session) -> Status {
    CITADEL_ASSIGN_OR_RETURN(
        auto rows,
        session.Query("INSERT INTO api_keys (name, owner_user_id, prefix, hash_hex, scopes,"
                      " allowed_models, expires_at, rpm_limit, tpm_limit, stream_limit,"
                      " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                      params));
    id = AsInt(rows.at(0)[0]);
    return OkStatus();
  });
  if (status.code() == StatusCode::kNotFound) {
    return NotFoundError("owner user id " + std::to_string(key.owner_user_id.value_or(0)) +
                         " does not exist");
  }
  if (status.code() == StatusCode::kAlreadyExists) {
    return AlreadyExistsError("a key with this hash already exists");
  }
  CITADEL_TRY(status);
  return FindKey(id);
}

Result<std::vector<ApiKey>> SqlStore::KeysWhere(std::string_view condition,
                                                std::span<const SqlValue> params) {
  std::vector<ApiKey> keys;
  CITADEL_TRY(db_->Read([&](SqlSession& session) -> Status {
    CITADEL_ASSIGN_OR_RETURN(
        auto rows, session.Query(std::string(kKeyColumns) + std::string(condition), params));
    for (const SqlRow& row : rows) keys.push_back(KeyFromRow(row));
    return OkStatus();
  }));
  return keys;
}

Result<ApiKey> SqlStore::FindKey(std::int64_t id) {
  const std::array<SqlValue, 1> params{id};
  CITADEL_ASSIGN_OR_RETURN(auto keys, KeysWhere(" WHERE k.id = ?", params));
  if (keys.empty()) return NotFoundError("API key id " + std::to_string(id) + " does not exist");
  return std::move(keys[0]);
}

Result<std::vector<ApiKey>> SqlStore::FindKeysByPrefix(std::string_view prefix) {
  const std::array<SqlValue, 1> params{std::string(prefix)};
  return KeysWhere(" WHERE k.prefix = ? ORDER BY k.id", params);
}

Result<std::vector<ApiKey>> SqlStore::ListKeys(std::optional<std::int64_t> owner_user_id) {
  if (!owner_user_id) return KeysWhere(" ORDER BY k.id", {});
  const std::array<SqlValue, 1> params{*owner_user_id};
  return KeysWhere(" WHERE k.owner_user_id = ? ORDER BY k.id", params);
}

Result<ApiKey> SqlStore::RevokeKey(std::int64_t id, std::int64_t at) {
  const std::array<SqlValue, 2> params{at, id};
  CITADEL_TRY(TransactAuthChange([&](SqlSession& session) -> Status {
    CITADEL_ASSIGN_OR_RETURN(auto changed,
                             session.Execute("UPDATE api_keys SET revoked = 1,"
                                             " revoked_at = COALESCE(revoked_at, ?) WHERE id = ?",
                                             params));
    if (changed == 0) return NotFoundError("API key id " + std::to_string(id) + " does not exist");
    return OkStatus();
  }));
  return FindKey(id);
}

Status SqlStore::RecordKeyUse(std::int64_t id, std::int64_t at, std::string_view client_ip) {
  CITADEL_TRY(CheckText("client IP", client_ip, TextKind::kIdentifier, 64));
  const std::array<SqlValue, 3> params{at, std::string(client_ip), id};
  return db_->Transact([&](SqlSession& session) -> Status {
    return session
        .Execute("UPDATE api_keys SET last_used_at = ?, last_used_ip = ? WHERE id = ?", params)
        .status();
  });
}

Result<std::int64_t> SqlStore::AuthEpoch() {
  if (std::optional<std::int64_t> watched = db_->WatchedAuthEpoch()) return *watched;
  std::int64_t epoch = 0;
  CITADEL_TRY(db_->Read([&](SqlSession& session) -> Status {
    CITADEL_ASSIGN_OR_RETURN(
        auto rows, session.Query("SELECT value FROM citadel_meta WHERE name = 'auth_epoch'"));
    epoch = rows.empty() ? 0 : AsInt(rows[0][0]);
    return OkStatus();
  }));
  return epoch;
}

// --- conversations ---

Result<Conversation> SqlStore::CreateConversation(const Conversation& c) {
  CITADEL_TRY(CheckConversation(c));
  const std::array<SqlValue, 6> params{c.owner_user_id, c.title,      c.model,
                                       c.messages_json, c.created_at, c.updated_at};
  std::int64_t id = 0;
  Status status = db_->Transact([&](SqlSession& session) -> Status {
    CITADEL_ASSIGN_OR_RETURN(
        auto rows, session.Query("INSERT INTO conversations (owner_user_id, title, model, messages,"
                                 " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                                 params));
    id = AsInt(rows.at(0)[0]);
    return OkStatus();
  });
  if (status.code() == StatusCode::kNotFound) {
    return NotFoundError("owner user id " + std::to_string(c.owner_user_id) + " does not exist");
  }
  CITADEL_TRY(status);
  return FindConversation(id);
}

Result<Conversation> SqlStore::FindConversation(std::int64_t id) {
  std::vector<SqlRow> rows;
  const std::array<SqlValue, 1> params{id};
  CITADEL_TRY(db_->Read([&](SqlSession& session) -> Status {
    CITADEL_ASSIGN_OR_RETURN(rows, session.Query("SELECT id, owner_user_id, title, model, messages,"
                                                 " created_at, updated_at FROM conversations"
                                                 " WHERE id = ?",
                                                 params));
    return OkStatus();
  }));
  return OneRow<Conversation>(rows, ConversationFromRow, "conversation " + std::to_string(id));
}

Result<std::vector<Conversation>> SqlStore::ListConversations(std::int64_t owner_user_id) {
  std::vector<Conversation> list;
  const std::array<SqlValue, 1> params{owner_user_id};
  CITADEL_TRY(db_->Read([&](SqlSession& session) -> Status {
    CITADEL_ASSIGN_OR_RETURN(
        auto rows, session.Query("SELECT id, owner_user_id, title, model, messages, created_at,"
                                 " updated_at FROM conversations WHERE owner_user_id = ?"
                                 " ORDER BY updated_at DESC, id DESC",
                                 params));
    for (const SqlRow& row : rows) list.push_back(ConversationFromRow(row));
    return OkStatus();
  }));
  return list;
}

Result<Conversation> SqlStore::UpdateConversation(const Conversation& c) {
  CITADEL_TRY(CheckConversation(c));
  const std::array<SqlValue, 5> params{c.title, c.model, c.messages_json, c.updated_at, c.id};
  CITADEL_TRY(db_->Transact([&](SqlSession& session) -> Status {
    CITADEL_ASSIGN_OR_RETURN(auto changed,
                             session.Execute("UPDATE conversations SET title = ?, model = ?,"
                                             " messages = ?, updated_at = ? WHERE id = ?",
                                             params));
    if (changed == 0)
      return NotFoundError("conversation " + std::to_string(c.id) + " does not exist");
    return OkStatus();
  }));
  return FindConversation(c.id);
}

Status SqlStore::DeleteConversation(std::int64_t id) {
  const std::array<SqlValue, 1> params{id};
  return db_->Transact([&](SqlSession& session) -> Status {
    CITADEL_ASSIGN_OR_RETURN(auto changed,
                             session.Execute("DELETE FROM conversations WHERE id = ?", params));
    if (changed == 0)
      return NotFoundError("conversation " + std::to_string(id) + " does not exist");
    return OkStatus();
  });
}

}  // namespace citadel::store
