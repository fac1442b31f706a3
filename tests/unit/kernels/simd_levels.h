// The SIMD paths the kernels tests compare with the scalar reference, one
// test instance per path (TEST_P over SimdLevel), and a visible skip with its
// reason for a path this CPU cannot run: a test never passes silently on a
// path it did not exercise.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "kernels/cpu_features.h"

namespace citadel::kernels::testing {

// Empty when this CPU runs `level`'s own kernels, otherwise why it cannot.
inline std::string WhyCpuCannotRun(SimdLevel level) {
  if (level > MaxSupportedSimdLevel()) {
    return "this CPU cannot run the " + std::string(SimdLevelName(level)) +
           " path (its highest is " + std::string(SimdLevelName(MaxSupportedSimdLevel())) + ")";
  }
  if (level == SimdLevel::kAvxVnni && !DetectCpuFeatures().avx_vnni) {
    return "this CPU has no AVX-VNNI: the avxvnni level runs the AVX2 kernels, tested as avx2";
  }
  return "";
}

// The test instance's name: the level's.
inline std::string LevelTestName(const ::testing::TestParamInfo<SimdLevel>& info) {
  return std::string(SimdLevelName(info.param));
}

}  // namespace citadel::kernels::testing

// Skips the current test, saying why, when the CPU cannot run `level`.
#define CITADEL_SKIP_UNLESS_CPU_RUNS(level)                                              \
  do {                                                                                   \
    const std::string citadel_why = ::citadel::kernels::testing::WhyCpuCannotRun(level); \
    if (!citadel_why.empty()) GTEST_SKIP() << citadel_why;                               \
  } while (0)

// Instantiates the TEST_P suite `suite` once per level given after it.
#define CITADEL_INSTANTIATE_FOR_LEVELS(suite, ...)                        \
  INSTANTIATE_TEST_SUITE_P(Levels, suite, ::testing::Values(__VA_ARGS__), \
                           ::citadel::kernels::testing::LevelTestName)
