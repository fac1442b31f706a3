#include "kernels/cpu_features.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>

#if defined(__x86_64__)
#include <cpuid.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace citadel::kernels {
namespace {

#if defined(__x86_64__)
constexpr int kArchReqXcompPerm = 0x1023;  // arch_prctl: request an xfeature
constexpr int kXfeatureXtiledata = 18;

std::uint64_t ReadXcr0() {
  std::uint32_t eax = 0;
  std::uint32_t edx = 0;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<std::uint64_t>(edx) << 32) | eax;
}

bool RequestAmxPermission() {
  return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0;
}

CpuFeatures Detect() {
  CpuFeatures f;
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return f;
  bool osxsave = (ecx >> 27) & 1;
  if (!osxsave) return f;
  std::uint64_t xcr0 = ReadXcr0();
  bool os_avx = (xcr0 & 0x6) == 0x6;                 // SSE and AVX state
  bool os_avx512 = os_avx && (xcr0 & 0xE0) == 0xE0;  // opmask, ZMM_Hi256, Hi16_ZMM
  bool os_amx = (xcr0 & 0x60000) == 0x60000;         // XTILECFG, XTILEDATA
  f.fma = os_avx && ((ecx >> 12) & 1);
  f.f16c = os_avx && ((ecx >> 29) & 1);
  if (__get_cpuid_max(0, nullptr) < 7) return f;
  __cpuid_count(7, 0, eax, ebx, ecx, edx);
  f.avx2 = os_avx && ((ebx >> 5) & 1);
  f.bmi2 = (ebx >> 8) & 1;
  f.avx512f = os_avx512 && ((ebx >> 16) & 1);
  f.avx512dq = os_avx512 && ((ebx >> 17) & 1);
  f.avx512bw = os_avx512 && ((ebx >> 30) & 1);
  f.avx512vl = os_avx512 && ((ebx >> 31) & 1);
  f.avx512vnni = os_avx512 && ((ecx >> 11) & 1);
  f.amx_bf16 = os_amx && ((edx >> 22) & 1);
  f.amx_tile = os_amx && ((edx >> 24) & 1);
  f.amx_int8 = os_amx && ((edx >> 25) & 1);
  unsigned eax1 = 0, ebx1 = 0, ecx1 = 0, edx1 = 0;
  __cpuid_count(7, 1, eax1, ebx1, ecx1, edx1);
  f.avx_vnni = os_avx && ((eax1 >> 4) & 1);
  f.avx512bf16 = os_avx512 && ((eax1 >> 5) & 1);
  f.amx_usable = f.amx_tile && f.amx_int8 && RequestAmxPermission();
  return f;
}
#else
CpuFeatures Detect() {
  return CpuFeatures();
}
#endif

constexpr SimdLevel kAllLevels[] = {SimdLevel::kScalar, SimdLevel::kAvx2, SimdLevel::kAvxVnni,
                                    SimdLevel::kAvx512, SimdLevel::kAmx};

SimdLevel LevelFromEnvironment(const CpuFeatures& features) {
  const SimdLevel max_level = MaxSimdLevelOf(features);
  const char* env = std::getenv("CITADEL_CPU");
  if (env == nullptr) return max_level;
  return CapSimdLevel(ParseSimdLevel(env).value_or(max_level), features);
}

}  // namespace

std::string_view SimdLevelName(SimdLevel level) {
  switch (level) {
    case SimdLevel::kScalar:
      return "scalar";
    case SimdLevel::kAvx2:
      return "avx2";
    case SimdLevel::kAvxVnni:
      return "avxvnni";
    case SimdLevel::kAvx512:
      return "avx512";
    case SimdLevel::kAmx:
      return "amx";
  }
  return "unknown";
}

std::optional<SimdLevel> ParseSimdLevel(std::string_view name) {
  for (SimdLevel level : kAllLevels) {
    if (SimdLevelName(level) == name) return level;
  }
  return std::nullopt;
}

const CpuFeatures& DetectCpuFeatures() {
  static const CpuFeatures features = Detect();
  return features;
}

SimdLevel MaxSimdLevelOf(const CpuFeatures& f) {
  if (!(f.avx2 && f.fma && f.f16c)) return SimdLevel::kScalar;
  if (f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq && f.avx512vnni) {
    return f.amx_usable ? SimdLevel::kAmx : SimdLevel::kAvx512;
  }
  return f.avx_vnni ? SimdLevel::kAvxVnni : SimdLevel::kAvx2;
}

SimdLevel CapSimdLevel(SimdLevel wanted, const CpuFeatures& features) {
  const SimdLevel level = std::min(wanted, MaxSimdLevelOf(features));
  if (level == SimdLevel::kAvxVnni && !features.avx_vnni) return SimdLevel::kAvx2;
  return level;
}

SimdLevel MaxSupportedSimdLevel() {
  return MaxSimdLevelOf(DetectCpuFeatures());
}

SimdLevel SelectedSimdLevel() {
  static const SimdLevel level = LevelFromEnvironment(DetectCpuFeatures());
  return level;
}

bool AmxEnabled() {
  return SelectedSimdLevel() == SimdLevel::kAmx;
}

}  // namespace citadel::kernels
