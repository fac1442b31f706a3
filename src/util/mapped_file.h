// A read-only, memory-mapped file.
//
// Owns the mapping; movable, not copyable. Thread-safe for concurrent reads
// once opened (the bytes are immutable for the mapping's lifetime).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "util/status.h"

namespace citadel {

class MappedFile {
 public:
  MappedFile() = default;
  ~MappedFile();
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  // Maps `path` read-only. Fails with NotFound / PermissionDenied /
  // InvalidArgument (a directory, say) naming the path. An empty file maps to
  // an empty span.
  static Result<MappedFile> Open(const std::string& path);

  std::span<const std::uint8_t> bytes() const { return {data_, size_}; }
  const std::uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }
  const std::string& path() const { return path_; }

  // Tells the kernel this process no longer needs the whole pages inside
  // `range` (a part of bytes()) resident: they leave the process's memory
  // and are read from the file again if touched. The bytes never change.
  // Used once a copy has replaced them (repacked weights).
  void DropPages(std::span<const std::uint8_t> range) const;

 private:
  void Reset();

  std::string path_;
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace citadel
