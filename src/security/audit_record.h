// AuditRecord: what the audit trail keeps of one request or admin action,
// and its canonical bytes: the exact text the hash chain covers.
//
// Canonical form (version 1): the line "citadel-audit 1", then one line per
// field, always all of them, always in this order, each "name=value\n":
//
//   seq prev time_ms kind request_id key_id key_prefix user client_ip
//   forwarded_ip method route model status reason finish_reason
//   prompt_tokens completion_tokens cached_tokens latency_us rate_limit
//   findings action target capture prompt completion
//
// Integers are decimal without leading zeros; an absent key_id is empty.
// findings is "type:count" items joined by "," in the order given. Text is
// UTF-8 with exactly these escapes and no others: "\\" for a backslash,
// "\n" for a newline, "\xHH" (lower-case hex) for every other byte below
// 0x20, for 0x7f, for bytes that are not part of valid UTF-8, and (in
// finding types) for "," and ":". So every record has exactly one canonical
// text, and ParseAuditRecord accepts exactly the texts CanonicalBytes makes.
//
// Plain value type and pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace citadel::security {

enum class AuditKind { kRequest, kAdmin };
// "request", "admin".
std::string_view AuditKindName(AuditKind kind);

struct PolicyFinding {
  std::string type;  // e.g. "email", "phone"
  std::int64_t count = 0;
  bool operator==(const PolicyFinding&) const = default;
};

struct AuditRecord {
  // Set by the chain when the record is appended.
  std::int64_t seq = 0;
  std::string prev;  // "sha256:<hex>" / "sm3:<hex>" of the previous record's canonical bytes

  std::int64_t time_ms = 0;  // Unix milliseconds, UTC
  AuditKind kind = AuditKind::kRequest;
  std::string request_id;
  std::optional<std::int64_t> key_id;
  std::string key_prefix;  // the 8 lookup characters, never the key
  std::string user;
  std::string client_ip;     // the TCP peer
  std::string forwarded_ip;  // from X-Forwarded-For when the peer is a trusted proxy
  std::string method;
  std::string route;
  std::string model;
  std::int64_t status = 0;    // HTTP status sent
  std::string reason;         // why it was refused or failed ("no_key", "allowlist", ...)
  std::string finish_reason;  // "stop", "length", ...
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  std::int64_t cached_tokens = 0;
  std::int64_t latency_us = 0;
  std::string rate_limit;  // "", "allowed", "limited"
  std::vector<PolicyFinding> findings;
  std::string action;   // admin actions: "keys.create", "audit.purge", ...
  std::string target;   // admin actions: what it acted on ("key 12")
  std::string capture;  // "none", "redacted" or "full": what prompt/completion hold
  std::string prompt;
  std::string completion;

  bool operator==(const AuditRecord&) const = default;
};

// The canonical text of `record` (see above).
std::string CanonicalBytes(const AuditRecord& record);

// The record whose canonical text is `text`. InvalidArgument naming the line
// (and field) for anything else: another version, a missing, extra or
// misordered field, a bad number, a non-canonical escape.
Result<AuditRecord> ParseAuditRecord(std::string_view text);

// Escapes `text` as the canonical form does; `extra` lists further
// characters to escape as \xHH.
std::string EscapeAuditText(std::string_view text, std::string_view extra = {});

}  // namespace citadel::security
