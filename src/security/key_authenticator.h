// KeyAuthenticator: turns a presented API key into the identity it stands
// for, with an in-memory cache in front of the store.
//
//   KeyAuthenticator auth(store, clock);
//   auto identity = auth.Authenticate(bearer_token, peer_ip);
//   if (!identity.ok()) -> 401 (Unauthenticated) or 503 (Unavailable)
//   if (!(*identity)->HasScope(Scope::kChat)) -> 403
//   if (!(*identity)->AllowsModel(model)) -> 403
//
// Failure codes: Unauthenticated for a malformed, unknown, revoked or
// expired key and for a key whose owner is disabled (all of them 401 for a
// client; the message says which, never echoes the key); Unavailable when
// the store cannot be reached on a cache miss. The hash comparison is
// constant-time (CRYPTO_memcmp); lookups go by the 8-character prefix.
//
// Freshness: a revoke or user disable made through the same Store object is
// seen by every Authenticate that starts after it returned (the store's
// local epoch). Changes from other processes or replicas are seen within
// poll_interval_ms (the store's AuthEpoch: an indexed row read on SQLite,
// LISTEN/NOTIFY on PostgreSQL), so well within 1 second by default.
// Last-used time and client IP are written at most once per
// use_record_interval_s per key.
//
// Thread-safe: call Authenticate from any number of threads; a cache hit
// takes a shared lock only.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "security/api_key.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/status.h"

namespace citadel::security {

// What an authenticated key may do. Immutable once built.
struct KeyIdentity {
  std::int64_t key_id = 0;
  std::string name;
  std::string prefix;  // safe to log
  std::optional<std::int64_t> owner_user_id;
  std::string owner_name;
  // The owner's role (so the server can tell an admin's or auditor's key);
  // nullopt for a service key with no owner.
  std::optional<store::Role> owner_role;
  ScopeSet scopes = 0;
  std::optional<std::vector<std::string>> allowed_models;  // nullopt: every model
  std::optional<std::int64_t> expires_at;
  store::KeyLimits limits;

  bool HasScope(Scope scope) const { return security::HasScope(scopes, scope); }
  bool AllowsModel(std::string_view model) const;
};

struct KeyAuthenticatorOptions {
  std::int64_t poll_interval_ms = 250;      // how often other processes' changes are checked
  std::int64_t use_record_interval_s = 60;  // last-used writes per key at most this often
  size_t max_cached_prefixes = 100000;      // the cache starts over when it would grow past
};

class KeyAuthenticator {
 public:
  KeyAuthenticator(store::Store& store, const Clock& clock, KeyAuthenticatorOptions options = {});
  KeyAuthenticator(const KeyAuthenticator&) = delete;
  KeyAuthenticator& operator=(const KeyAuthenticator&) = delete;

  // `client_ip` (may be empty) is recorded as the key's last-used address.
  // The identity is shared with the cache (read-only, kept alive as long as
  // the caller holds it even if the cache drops it).
  Result<std::shared_ptr<const KeyIdentity>> Authenticate(std::string_view presented_key,
                                                          std::string_view client_ip = {});

  // Drops every cached entry (the next lookups read the store).
  void Invalidate();

 private:
  struct Entry {
    Sha256Digest hash{};
    bool revoked = false;
    bool owner_disabled = false;
    std::shared_ptr<const KeyIdentity> identity;
    std::atomic<std::int64_t> last_use_recorded_s{0};
  };
  using Entries = std::vector<std::unique_ptr<Entry>>;

  void RefreshIfChanged();
  // The rows of `prefix` from the store, as cache entries.
  Result<Entries> Load(const std::string& prefix);
  // Cache first, then the store. Sets `record_use` when the last-used time is due.
  Result<std::shared_ptr<const KeyIdentity>> Lookup(const PresentedKey& presented,
                                                    bool& record_use);
  // Revoked, disabled owner, expired; else the identity.
  Result<std::shared_ptr<const KeyIdentity>> Check(Entry& entry, bool& record_use);

  store::Store& store_;
  const Clock& clock_;
  const KeyAuthenticatorOptions options_;

  std::atomic<std::uint64_t> seen_local_epoch_;
  std::atomic<std::int64_t> seen_store_epoch_{-1};
  std::atomic<std::int64_t> next_poll_ms_{0};

  mutable std::shared_mutex mutex_;                 // guards cache_ and generation_
  std::unordered_map<std::string, Entries> cache_;  // by prefix
  std::uint64_t generation_ = 0;                    // bumped on every clear
};

}  // namespace citadel::security
