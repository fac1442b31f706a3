// Helpers shared by the test suites: where ../shared lives, and a visible
// skip when it is absent.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace citadel::testing {

// Absolute path of ../shared next to the repository (may not exist).
inline std::filesystem::path SharedDir() {
  if (const char* env = std::getenv("CITADEL_SHARED_DIR")) return env;
  return CITADEL_SHARED_DIR;
}

inline bool HaveShared() { return std::filesystem::exists(SharedDir() / "models"); }

// The built `citadel` binary.
inline std::string CitadelBinary() { return CITADEL_BINARY; }

}  // namespace citadel::testing

// Skips the current test with a message when ../shared is not present.
#define CITADEL_REQUIRE_SHARED()                                                          \
  do {                                                                                    \
    if (!::citadel::testing::HaveShared()) {                                              \
      GTEST_SKIP() << "../shared not found at " << ::citadel::testing::SharedDir()        \
                   << "; skipping test that needs reference data";                        \
    }                                                                                     \
  } while (0)
