// Databases for the store suites: a fresh SQLite file in a temporary folder,
// or a fresh database on a real PostgreSQL server this process starts from
// Debian's postgresql package (see postgres_server.h).
//
// Thread-compatible; one per test.
#pragma once

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace citadel::store::testing {

// A temporary folder removed with everything in it at destruction.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "citadel-store-XXXXXX").string();
    path_ = mkdtemp(pattern.data()) != nullptr ? pattern : "";
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A unique name per call in this process (databases, files).
inline std::string UniqueName(const std::string& stem) {
  static std::atomic<int> counter{0};
  return stem + "_" + std::to_string(getpid()) + "_" + std::to_string(counter.fetch_add(1));
}

}  // namespace citadel::store::testing
