// libFuzzer target for the canonical audit record and checkpoint parsers
// (what `citadel audit verify` and `export` read back from the store):
// arbitrary text must parse or fail with InvalidArgument, never crash; what
// parses is exactly the canonical text of the value it parsed to.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "security/audit_chain.h"
#include "security/audit_record.h"

using citadel::StatusCode;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto record = citadel::security::ParseAuditRecord(text);
  if (record.ok()) {
    if (citadel::security::CanonicalBytes(*record) != text) std::abort();
  } else if (record.status().code() != StatusCode::kInvalidArgument) {
    std::abort();
  }
  auto checkpoint = citadel::security::ParseCheckpoint(text);
  if (checkpoint.ok()) {
    if (citadel::security::CheckpointBytes(*checkpoint) != text) std::abort();
  } else if (checkpoint.status().code() != StatusCode::kInvalidArgument) {
    std::abort();
  }
  return 0;
}
