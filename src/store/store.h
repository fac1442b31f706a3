// Store: the one durable home of users, API keys and conversations, behind
// one interface with two implementations (SQLite embedded, PostgreSQL for
// several replicas) that share the same versioned migrations.
//
//   CITADEL_ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
//                            OpenStore("sqlite:./citadel-data/citadel.db"));
//   CITADEL_ASSIGN_OR_RETURN(User user, store->CreateUser({"ada", "Ada L.", Role::kAdmin, hash}));
//
// Records are plain values; times are Unix seconds. The store keeps secrets
// only in hashed form: an API key is its SHA-256 (hex) and an 8-character
// lookup prefix, a password its argon2id encoding (both computed by
// security/). Every string is valid UTF-8 without NUL bytes (InvalidArgument
// otherwise, naming the field) and is returned byte for byte as stored; SQL
// is parameterised only.
//
// Errors: NotFound (no such row), AlreadyExists (a unique name taken),
// InvalidArgument (a bad value), Unavailable (the database cannot be reached
// or stays locked), DataLoss (a corrupt file), FailedPrecondition (schema
// newer than this binary, read-only file), Internal otherwise.
//
// Thread-safe: every method may be called from any thread at once.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/audit_records.h"
#include "util/status.h"

namespace citadel::store {

enum class Role { kAdmin, kUser, kAuditor };
// "admin", "user", "auditor".
std::string_view RoleName(Role role);
// InvalidArgument naming the accepted roles for anything else.
Result<Role> ParseRole(std::string_view text);

struct User {
  std::int64_t id = 0;
  std::string name;  // unique login name
  std::string display_name;
  Role role = Role::kUser;
  std::string password_hash;  // argon2id encoding; empty: cannot log in with a password
  bool disabled = false;
  std::int64_t created_at = 0;
  std::optional<std::int64_t> last_login_at;
};

struct NewUser {
  std::string name;
  std::string display_name;
  Role role = Role::kUser;
  std::string password_hash;
  std::int64_t created_at = 0;
};

// Per-key limits (enforced by access control); nullopt: the server default.
struct KeyLimits {
  std::optional<std::int64_t> requests_per_minute;
  std::optional<std::int64_t> tokens_per_minute;
  std::optional<std::int64_t> concurrent_streams;
};

struct ApiKey {
  std::int64_t id = 0;
  std::string name;
  std::optional<std::int64_t> owner_user_id;  // nullopt: a service key with no user
  std::string owner_name;                     // the owner's user name; empty when none
  bool owner_disabled = false;                // the owner's disabled flag
  std::optional<Role> owner_role;             // the owner's role; nullopt when none
  std::string prefix;                         // 8 characters after "cit_"
  std::string hash_hex;                       // SHA-256 of the whole key, lower-case hex
  std::vector<std::string> scopes;
  std::optional<std::vector<std::string>> allowed_models;  // nullopt: every model
  std::optional<std::int64_t> expires_at;
  KeyLimits limits;
  bool revoked = false;
  std::int64_t created_at = 0;
  std::optional<std::int64_t> revoked_at;
  std::optional<std::int64_t> last_used_at;
  std::string last_used_ip;
};

struct NewApiKey {
  std::string name;
  std::optional<std::int64_t> owner_user_id;
  std::string prefix;
  std::string hash_hex;
  std::vector<std::string> scopes;
  std::optional<std::vector<std::string>> allowed_models;
  std::optional<std::int64_t> expires_at;
  KeyLimits limits;
  std::int64_t created_at = 0;
};

struct Conversation {
  std::int64_t id = 0;
  std::int64_t owner_user_id = 0;
  std::string title;
  std::string model;
  std::string messages_json;  // the messages as the web chat stores them (opaque here)
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // "sqlite" or "postgres".
  virtual std::string_view backend() const = 0;
  // The schema version the database is at (the binary's current one once open).
  virtual int schema_version() const = 0;

  // Users. Names are unique (AlreadyExists); lookups by name are exact.
  virtual Result<User> CreateUser(const NewUser& user) = 0;
  virtual Result<User> FindUser(std::string_view name) = 0;
  virtual Result<User> FindUserById(std::int64_t id) = 0;
  virtual Result<std::vector<User>> ListUsers() = 0;  // by id
  virtual Result<std::int64_t> CountUsers() = 0;
  virtual Result<User> SetUserDisabled(std::string_view name, bool disabled) = 0;
  virtual Result<User> SetUserPassword(std::string_view name, std::string_view password_hash) = 0;
  virtual Status RecordLogin(std::string_view name, std::int64_t at) = 0;

  // API keys. NotFound for an owner that does not exist.
  virtual Result<ApiKey> CreateKey(const NewApiKey& key) = 0;
  virtual Result<ApiKey> FindKey(std::int64_t id) = 0;
  // Every key with this prefix (normally one), revoked ones included.
  virtual Result<std::vector<ApiKey>> FindKeysByPrefix(std::string_view prefix) = 0;
  // By id; only `owner`'s keys when given.
  virtual Result<std::vector<ApiKey>> ListKeys(std::optional<std::int64_t> owner_user_id) = 0;
  // Marks the key revoked (idempotent: a second revoke keeps the first time).
  virtual Result<ApiKey> RevokeKey(std::int64_t id, std::int64_t at) = 0;
  virtual Status RecordKeyUse(std::int64_t id, std::int64_t at, std::string_view client_ip) = 0;

  // A number that changes whenever a change that can affect authentication
  // (a key revoked, a user disabled or enabled) commits, in this process or
  // another one on the same database. SQLite: one indexed row read;
  // PostgreSQL: a counter its LISTEN/NOTIFY thread bumps (no round trip).
  virtual Result<std::int64_t> AuthEpoch() = 0;
  // Changes before any method of this object that changes authentication
  // returns; lock-free.
  std::uint64_t local_auth_epoch() const {
    return local_auth_epoch_.load(std::memory_order_acquire);
  }

  // Conversations, for the web chat.
  virtual Result<Conversation> CreateConversation(const Conversation& conversation) = 0;
  virtual Result<Conversation> FindConversation(std::int64_t id) = 0;
  virtual Result<std::vector<Conversation>> ListConversations(std::int64_t owner_user_id) = 0;
  // Replaces title, model and messages; sets updated_at.
  virtual Result<Conversation> UpdateConversation(const Conversation& conversation) = 0;
  virtual Status DeleteConversation(std::int64_t id) = 0;

  // Audit trail: rows and checkpoints as store/audit_records.h describes.
  virtual Result<std::int64_t> AppendAudit(const AuditBuilder& build) = 0;
  virtual Result<std::vector<AuditRow>> ReadAudit(const AuditQuery& query) = 0;
  virtual Result<std::vector<AuditCheckpointRow>> ReadAuditCheckpoints(std::int64_t from_seq,
                                                                       std::int64_t to_seq) = 0;
  virtual Result<std::int64_t> DeleteAudit(std::int64_t through_seq) = 0;

 protected:
  void BumpLocalAuthEpoch() { local_auth_epoch_.fetch_add(1, std::memory_order_acq_rel); }

 private:
  std::atomic<std::uint64_t> local_auth_epoch_{0};
};

}  // namespace citadel::store
