// SIMD level selection (kernels/cpu_features.h) on made-up CPUs: which level
// each CPU family gets, what CITADEL_CPU values mean, and that a cap never
// selects instructions the CPU lacks (AVX-VNNI on an AVX-512 CPU without it).
#include "kernels/cpu_features.h"

#include <gtest/gtest.h>

#include <string>

namespace citadel::kernels {
namespace {

constexpr SimdLevel kAllLevels[] = {SimdLevel::kScalar, SimdLevel::kAvx2, SimdLevel::kAvxVnni,
                                    SimdLevel::kAvx512, SimdLevel::kAmx};

CpuFeatures Haswell() {
  CpuFeatures f;
  f.avx2 = f.fma = f.f16c = f.bmi2 = true;
  return f;
}

CpuFeatures AlderLake() {  // AVX-VNNI without AVX-512
  CpuFeatures f = Haswell();
  f.avx_vnni = true;
  return f;
}

CpuFeatures IceLake() {  // AVX-512 VNNI without AVX-VNNI (so are Cascade Lake, Zen 4)
  CpuFeatures f = Haswell();
  f.avx512f = f.avx512bw = f.avx512vl = f.avx512dq = f.avx512vnni = true;
  return f;
}

CpuFeatures SapphireRapids() {
  CpuFeatures f = IceLake();
  f.avx_vnni = f.avx512bf16 = true;
  f.amx_tile = f.amx_int8 = f.amx_bf16 = f.amx_usable = true;
  return f;
}

TEST(CpuFeaturesTest, NamesRoundTrip) {
  for (SimdLevel level : kAllLevels) {
    EXPECT_EQ(ParseSimdLevel(SimdLevelName(level)), level) << SimdLevelName(level);
  }
  EXPECT_EQ(ParseSimdLevel("avxvnni"), SimdLevel::kAvxVnni);
  EXPECT_EQ(SimdLevelName(SimdLevel::kAvxVnni), "avxvnni");
  for (std::string bad : {"", "AVX2", "avx-vnni", "avx512vnni", "sse4", "avx2 "}) {
    EXPECT_FALSE(ParseSimdLevel(bad).has_value()) << "'" << bad << "'";
  }
}

TEST(CpuFeaturesTest, LevelsAreOrderedLowToHigh) {
  for (std::size_t i = 1; i < std::size(kAllLevels); ++i) {
    EXPECT_LT(kAllLevels[i - 1], kAllLevels[i]);
  }
}

TEST(CpuFeaturesTest, EachCpuFamilyGetsItsBestLevel) {
  EXPECT_EQ(MaxSimdLevelOf(CpuFeatures()), SimdLevel::kScalar);
  CpuFeatures no_fma = AlderLake();
  no_fma.fma = false;
  EXPECT_EQ(MaxSimdLevelOf(no_fma), SimdLevel::kScalar);
  EXPECT_EQ(MaxSimdLevelOf(Haswell()), SimdLevel::kAvx2);
  EXPECT_EQ(MaxSimdLevelOf(AlderLake()), SimdLevel::kAvxVnni);
  EXPECT_EQ(MaxSimdLevelOf(IceLake()), SimdLevel::kAvx512);
  EXPECT_EQ(MaxSimdLevelOf(SapphireRapids()), SimdLevel::kAmx);
}

TEST(CpuFeaturesTest, CapNeverExceedsTheCpu) {
  EXPECT_EQ(CapSimdLevel(SimdLevel::kAmx, AlderLake()), SimdLevel::kAvxVnni);
  EXPECT_EQ(CapSimdLevel(SimdLevel::kAvx512, AlderLake()), SimdLevel::kAvxVnni);
  EXPECT_EQ(CapSimdLevel(SimdLevel::kAvxVnni, Haswell()), SimdLevel::kAvx2);
  EXPECT_EQ(CapSimdLevel(SimdLevel::kAvx512, Haswell()), SimdLevel::kAvx2);
  EXPECT_EQ(CapSimdLevel(SimdLevel::kAvx2, CpuFeatures()), SimdLevel::kScalar);
}

TEST(CpuFeaturesTest, CapAtAvxVnniNeedsAvxVnni) {
  // CITADEL_CPU=avxvnni on an AVX-512 CPU without AVX-VNNI must not run
  // VEX-encoded VPDPBUSD: it gets the AVX2 path.
  EXPECT_EQ(CapSimdLevel(SimdLevel::kAvxVnni, IceLake()), SimdLevel::kAvx2);
  EXPECT_EQ(CapSimdLevel(SimdLevel::kAvxVnni, SapphireRapids()), SimdLevel::kAvxVnni);
  EXPECT_EQ(CapSimdLevel(SimdLevel::kAvxVnni, AlderLake()), SimdLevel::kAvxVnni);
  EXPECT_EQ(CapSimdLevel(SimdLevel::kAvx512, IceLake()), SimdLevel::kAvx512);
}

TEST(CpuFeaturesTest, CapBelowTheCpuIsTheCap) {
  for (SimdLevel level : {SimdLevel::kScalar, SimdLevel::kAvx2, SimdLevel::kAvxVnni,
                          SimdLevel::kAvx512, SimdLevel::kAmx}) {
    EXPECT_EQ(CapSimdLevel(level, SapphireRapids()), level) << SimdLevelName(level);
  }
}

TEST(CpuFeaturesTest, ThisCpuMatchesItsFeatures) {
  const CpuFeatures& f = DetectCpuFeatures();
  EXPECT_EQ(MaxSupportedSimdLevel(), MaxSimdLevelOf(f));
  EXPECT_LE(SelectedSimdLevel(), MaxSupportedSimdLevel());
  if (SelectedSimdLevel() == SimdLevel::kAvxVnni) {
    EXPECT_TRUE(f.avx_vnni);
  }
}

}  // namespace
}  // namespace citadel::kernels
