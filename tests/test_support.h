// Helpers shared by the test suites: where ../shared lives, and a visible
// skip when it is absent.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace citadel::testing {

// Absolute path of ../shared next to the repository (may not exist).
inline std::filesystem::path SharedDir() {
  if (const char* env = std::getenv("CITADEL_SHARED_DIR")) return env;
  return CITADEL_SHARED_DIR;
}

inline bool HaveShared() {
  return std::filesystem::exists(SharedDir() / "models");
}

// The built `citadel` binary.
inline std::string CitadelBinary() {
  return CITADEL_BINARY;
}

inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// What one run of the `citadel` binary did.
struct RunResult {
  int exit_code = -1;  // -1 when killed by a signal; 124 when the time limit hit
  std::string out;
  std::string err;
};

// Runs `env ENV timeout 60 citadel ARGS` through the shell, capturing stdout
// and stderr in files under `scratch_dir`. ARGS is shell text: quote paths.
inline RunResult RunCitadel(const std::string& args, const std::filesystem::path& scratch_dir,
                            const std::string& env = "") {
  const std::filesystem::path out = scratch_dir / "stdout", err = scratch_dir / "stderr";
  const std::string cmd = "env " + env + " timeout 60 '" + CitadelBinary() + "' " + args + " >'" +
                          out.string() + "' 2>'" + err.string() + "'";
  const int status = std::system(cmd.c_str());
  RunResult r;
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  r.out = ReadFile(out);
  r.err = ReadFile(err);
  return r;
}

}  // namespace citadel::testing

// Skips the current test with a message when ../shared is not present.
#define CITADEL_REQUIRE_SHARED()                                                   \
  do {                                                                             \
    if (!::citadel::testing::HaveShared()) {                                       \
      GTEST_SKIP() << "../shared not found at " << ::citadel::testing::SharedDir() \
                   << "; skipping test that needs reference data";                 \
    }                                                                              \
  } while (0)
