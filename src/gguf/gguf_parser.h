// The validating GGUF parser behind GgufFile::Open and GgufFile::Parse.
//
// Internal to gguf/. Stateless apart from one parse; thread-compatible.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "gguf/gguf_file.h"
#include "util/status.h"

namespace citadel::gguf {

class GgufParser {
 public:
  // Parses and validates `bytes` (borrowed; they must outlive the result).
  // Errors read "NAME: FIELD at byte OFFSET: what was wrong".
  static Result<GgufFile> Run(std::span<const std::uint8_t> bytes, std::string name);
};

}  // namespace citadel::gguf
