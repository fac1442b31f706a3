#include "security/key_authenticator.h"

#include <algorithm>
#include <mutex>

namespace citadel::security {
namespace {

ScopeSet KnownScopes(const std::vector<std::string>& names) {
  ScopeSet scopes = 0;
  for (const std::string& name : names) {
    // A scope this binary does not know (written by a newer one) grants nothing here.
    if (auto one = ParseScopes({name}); one.ok()) scopes |= *one;
  }
  return scopes;
}

std::shared_ptr<const KeyIdentity> IdentityOf(const store::ApiKey& row) {
  auto identity = std::make_shared<KeyIdentity>();
  identity->key_id = row.id;
  identity->name = row.name;
  identity->prefix = row.prefix;
  identity->owner_user_id = row.owner_user_id;
  identity->owner_name = row.owner_name;
  identity->owner_role = row.owner_role;
  identity->scopes = KnownScopes(row.scopes);
  identity->allowed_models = row.allowed_models;
  identity->expires_at = row.expires_at;
  identity->limits = row.limits;
  return identity;
}

}  // namespace

bool KeyIdentity::AllowsModel(std::string_view model) const {
  if (!allowed_models) return true;
  return std::find(allowed_models->begin(), allowed_models->end(), model) != allowed_models->end();
}

KeyAuthenticator::KeyAuthenticator(store::Store& store, const Clock& clock,
                                   KeyAuthenticatorOptions options)
    : store_(store),
      clock_(clock),
      options_(options),
      seen_local_epoch_(store.local_auth_epoch()) {}

void KeyAuthenticator::Invalidate() {
  std::unique_lock lock(mutex_);
  cache_.clear();
  ++generation_;
}

void KeyAuthenticator::RefreshIfChanged() {
  const std::uint64_t local = store_.local_auth_epoch();
  if (local != seen_local_epoch_.load(std::memory_order_acquire)) {
    std::unique_lock lock(mutex_);
    if (local != seen_local_epoch_.load(std::memory_order_relaxed)) {
      cache_.clear();
      ++generation_;
      seen_local_epoch_.store(local, std::memory_order_release);
    }
  }
  const std::int64_t now_ms = clock_.SteadyMillis();
  std::int64_t due_ms = next_poll_ms_.load(std::memory_order_relaxed);
  if (now_ms < due_ms ||
      !next_poll_ms_.compare_exchange_strong(due_ms, now_ms + options_.poll_interval_ms)) {
    return;  // not due, or another thread polls
  }
  Result<std::int64_t> epoch = store_.AuthEpoch();
  // An unreachable store keeps the cache: nothing can be revoked through it meanwhile.
  if (!epoch.ok() || *epoch == seen_store_epoch_.load(std::memory_order_acquire)) return;
  std::unique_lock lock(mutex_);
  cache_.clear();
  ++generation_;
  seen_store_epoch_.store(*epoch, std::memory_order_release);
}

Result<KeyAuthenticator::Entries> KeyAuthenticator::Load(const std::string& prefix) {
  CITADEL_ASSIGN_OR_RETURN(std::vector<store::ApiKey> rows, store_.FindKeysByPrefix(prefix));
  Entries entries;
  for (const store::ApiKey& row : rows) {
    auto hash = HexDecodeDigest(row.hash_hex);
    if (!hash.ok()) continue;  // not a key this binary issued; cannot match
    auto entry = std::make_unique<Entry>();
    entry->hash = *hash;
    entry->revoked = row.revoked;
    entry->owner_disabled = row.owner_disabled;
    entry->identity = IdentityOf(row);
    entry->last_use_recorded_s.store(row.last_used_at.value_or(0));
    entries.push_back(std::move(entry));
  }
  return entries;
}

Result<std::shared_ptr<const KeyIdentity>> KeyAuthenticator::Check(Entry& entry, bool& record_use) {
  const KeyIdentity& identity = *entry.identity;
  const std::string which = "API key " + std::string(kApiKeyMarker) + identity.prefix + "...";
  if (entry.revoked) return UnauthenticatedError(which + " has been revoked");
  if (entry.owner_disabled) {
    return UnauthenticatedError(which + " belongs to a disabled user");
  }
  const std::int64_t now_s = clock_.UnixSeconds();
  if (identity.expires_at && now_s >= *identity.expires_at) {
    return UnauthenticatedError(which + " has expired");
  }
  std::int64_t recorded_s = entry.last_use_recorded_s.load(std::memory_order_relaxed);
  if (now_s - recorded_s >= options_.use_record_interval_s &&
      entry.last_use_recorded_s.compare_exchange_strong(recorded_s, now_s)) {
    record_use = true;
  }
  return entry.identity;
}

Result<std::shared_ptr<const KeyIdentity>> KeyAuthenticator::Authenticate(
    std::string_view presented_key, std::string_view client_ip) {
  CITADEL_ASSIGN_OR_RETURN(const PresentedKey presented, ParsePresentedKey(presented_key));
  RefreshIfChanged();
  bool record_use = false;
  Result<std::shared_ptr<const KeyIdentity>> result = Lookup(presented, record_use);
  if (record_use) {
    // Outside the lock, and best effort: a failed write must not refuse a valid key.
    (void)store_.RecordKeyUse((*result)->key_id, clock_.UnixSeconds(), client_ip);
  }
  return result;
}

Result<std::shared_ptr<const KeyIdentity>> KeyAuthenticator::Lookup(const PresentedKey& presented,
                                                                    bool& record_use) {
  std::uint64_t generation = 0;
  {
    std::shared_lock lock(mutex_);
    auto found = cache_.find(presented.prefix);
    if (found != cache_.end()) {
      for (const std::unique_ptr<Entry>& entry : found->second) {
        if (DigestsEqual(entry->hash, presented.hash)) return Check(*entry, record_use);
      }
    }
    generation = generation_;
  }
  CITADEL_ASSIGN_OR_RETURN(Entries loaded, Load(presented.prefix));
  std::unique_lock lock(mutex_);
  Entries* entries = &loaded;
  // Entries read before a clear may be stale: keep them only if none happened.
  if (generation == generation_ && !loaded.empty()) {
    if (cache_.size() >= options_.max_cached_prefixes) cache_.clear();
    Entries& slot = cache_[presented.prefix];
    slot = std::move(loaded);
    entries = &slot;
  }
  for (const std::unique_ptr<Entry>& entry : *entries) {
    if (DigestsEqual(entry->hash, presented.hash)) return Check(*entry, record_use);
  }
  return UnauthenticatedError("unknown API key " + std::string(kApiKeyMarker) + presented.prefix +
                              "...");
}

}  // namespace citadel::security
