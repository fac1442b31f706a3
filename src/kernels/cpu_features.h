// What the CPU we run on can execute, and which kernel path to use.
//
// DetectCpuFeatures() reads cpuid and xgetbv once (the OS must have enabled
// the AVX / AVX-512 register state for a feature to count). AMX also needs a
// per-process permission from Linux (arch_prctl ARCH_REQ_XCOMP_PERM for
// XTILEDATA); the first call asks for it and amx_usable says whether it was
// granted — when refused the AMX path is simply not used.
//
// SelectedSimdLevel() is the best level both the CPU and the environment
// allow: CITADEL_CPU=scalar|avx2|avxvnni|avx512|amx caps it (to compare paths
// in tests and benchmarks); it can never raise it above what the CPU supports.
//
// Thread-safe: results are computed once (function-local statics) and then
// read-only.
#pragma once

#include <optional>
#include <string_view>

namespace citadel::kernels {

struct CpuFeatures {
  bool avx2 = false;
  bool fma = false;
  bool f16c = false;
  bool bmi2 = false;
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512vl = false;
  bool avx512dq = false;
  bool avx512vnni = false;
  bool avx_vnni = false;
  bool avx512bf16 = false;
  bool amx_tile = false;
  bool amx_int8 = false;
  bool amx_bf16 = false;
  bool amx_usable = false;  // amx_tile && amx_int8 && the kernel granted XTILEDATA
};

// Kernel paths, lowest to highest. kAvx2 needs AVX2+FMA+F16C; kAvxVnni is
// kAvx2 plus AVX-VNNI, the VEX-encoded 256-bit VPDPBUSD of CPUs without
// AVX-512 (Alder Lake and later client cores, Sierra Forest, Zen 5 client);
// kAvx512 needs AVX-512 F/BW/VL/DQ and VNNI (Sapphire Rapids, Zen 4 and
// later); kAmx is kAvx512 plus the AMX int8 tiles, granted by Linux
// (Sapphire Rapids+).
//
// The order is not a strict feature chain: some AVX-512 CPUs (Ice Lake,
// Cascade Lake, Zen 4) lack AVX-VNNI. Code that runs AVX-VNNI instructions
// therefore checks CpuFeatures::avx_vnni, never only `level >= kAvxVnni`;
// every other kernel treats kAvxVnni as kAvx2.
enum class SimdLevel { kScalar = 0, kAvx2 = 1, kAvxVnni = 2, kAvx512 = 3, kAmx = 4 };

// "scalar", "avx2", "avxvnni", "avx512", "amx".
std::string_view SimdLevelName(SimdLevel level);

// The level SimdLevelName() calls `name`; nullopt for any other string.
std::optional<SimdLevel> ParseSimdLevel(std::string_view name);

// Features of this CPU (detected once; asks for the AMX permission once).
const CpuFeatures& DetectCpuFeatures();

// The highest level a CPU with `features` supports.
SimdLevel MaxSimdLevelOf(const CpuFeatures& features);

// The level to run when `wanted` is asked for on a CPU with `features`: the
// lower of `wanted` and MaxSimdLevelOf(features), except that kAvxVnni on a
// CPU without AVX-VNNI (an AVX-512 one such as Ice Lake) gives kAvx2.
SimdLevel CapSimdLevel(SimdLevel wanted, const CpuFeatures& features);

// The highest level this CPU supports, ignoring the environment.
SimdLevel MaxSupportedSimdLevel();

// MaxSupportedSimdLevel() capped by CITADEL_CPU (read once) through
// CapSimdLevel(). An unknown value is ignored.
SimdLevel SelectedSimdLevel();

// Whether the AMX path is selected (SelectedSimdLevel() == kAmx).
bool AmxEnabled();

}  // namespace citadel::kernels
