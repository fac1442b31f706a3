#include "kernels/matmul.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <new>
#include <string>

#include "kernels/activation_quant.h"
#include "kernels/matmul_kernels.h"
#include "kernels/vec_dot.h"
#include "kernels/weight_panels.h"

namespace citadel::kernels {
namespace {

constexpr std::size_t RoundUp64(std::size_t n) {
  return (n + 63) / 64 * 64;
}

// Below this many tokens the calling thread prepares the activations alone:
// one extra fork-join would cost more than it saves.
constexpr std::int64_t kParallelPrepareTokens = 4;

// Rows of one thread's share are a multiple of this (a cache line of outputs).
constexpr std::int64_t kRowGrain = 16;

const internal::PathKernels* PanelKernelsFor(SimdLevel level, TensorType type) {
  if (level >= SimdLevel::kAmx) {
    if (const internal::PathKernels* k = internal::AmxPanelKernels(type)) return k;
  }
  if (level >= SimdLevel::kAvx512) {
    if (const internal::PathKernels* k = internal::Avx512PanelKernels(type)) return k;
  }
  return internal::ScalarPanelKernels(type);
}

// The first of `tables` with a kernel for `type`, else nullptr.
const internal::PathKernels* FirstOf(
    std::initializer_list<const internal::PathKernels* (*)(TensorType)> tables, TensorType type) {
  for (auto table : tables) {
    if (const internal::PathKernels* k = table(type)) return k;
  }
  return nullptr;
}

const internal::PathKernels* KernelsFor(SimdLevel level, const WeightView& w) {
  const TensorType type = w.type;
  level = std::min(level, MaxSupportedSimdLevel());
  if (w.layout == WeightLayout::kPanels) return PanelKernelsFor(level, type);
  if (level >= SimdLevel::kAmx) {
    if (const internal::PathKernels* k = internal::AmxKernels(type)) return k;
  }
  if (level >= SimdLevel::kAvx512) {
    if (const internal::PathKernels* k = FirstOf(
            {internal::Avx512Kernels, internal::Avx512LegacyKernels, internal::Avx512KQuantKernels},
            type)) {
      return k;
    }
  }
  if (level >= SimdLevel::kAvxVnni && DetectCpuFeatures().avx_vnni) {
    if (const internal::PathKernels* k = internal::AvxVnniKernels(type)) return k;
  }
  if (level >= SimdLevel::kAvx2) {
    if (const internal::PathKernels* k = FirstOf(
            {internal::Avx2Kernels, internal::Avx2LegacyKernels, internal::Avx2KQuantKernels},
            type)) {
      return k;
    }
  }
  return internal::ScalarKernels(type);
}

// Quantizes activation row `t` to the partner format in `tmp` and prepares it.
void PrepareToken(const internal::PathKernels& kernels, TensorType act_type, const float* act,
                  std::int64_t cols, std::uint8_t* tmp, std::uint8_t* dst) {
  const void* partner = nullptr;
  if (act_type != TensorType::kF32) {
    if (kernels.quantize_row != nullptr) {
      kernels.quantize_row(act_type, act, tmp, cols);
    } else {
      QuantizeActivationForMatMul(act_type, act, tmp, cols);
    }
    partner = tmp;
  }
  kernels.prepare_row(act, partner, cols, dst);
}

}  // namespace

void MatMulScratch::FreeDeleter::operator()(std::uint8_t* p) const {
  std::free(p);
}

std::uint8_t* MatMulScratch::Get(std::size_t size_bytes) {
  if (size_bytes > capacity_bytes_) {
    std::size_t capacity = RoundUp64(std::max(size_bytes, capacity_bytes_ * 3 / 2));
    auto* p = static_cast<std::uint8_t*>(std::aligned_alloc(64, capacity));
    if (p == nullptr) throw std::bad_alloc();
    buffer_.reset(p);
    capacity_bytes_ = capacity;
  }
  return buffer_.get();
}

void QuantizeActivationForMatMul(TensorType act_type, const float* act, void* dst,
                                 std::int64_t cols) {
  Status status = QuantizeActivationRow(act_type, act, dst, cols);
  (void)status;  // cannot fail: ValidateWeight checked the row length
}

bool MatMulSupportsType(TensorType type) {
  return ScalarVecDot(type).fn != nullptr;
}

Status ValidateWeight(const WeightView& w) {
  std::optional<TensorTypeTraits> traits = LookupTensorType(static_cast<std::uint32_t>(w.type));
  if (!traits || !MatMulSupportsType(w.type)) {
    return InvalidArgumentError("matmul: unsupported weight type " +
                                std::to_string(static_cast<std::uint32_t>(w.type)));
  }
  if (w.rows <= 0 || w.cols <= 0 || w.cols % traits->block_elements != 0) {
    return InvalidArgumentError("matmul: weight of type " + std::string(traits->name) +
                                " has shape [" + std::to_string(w.rows) + ", " +
                                std::to_string(w.cols) + "]; cols must be a positive multiple of " +
                                std::to_string(traits->block_elements));
  }
  if (w.data == nullptr) return InvalidArgumentError("matmul: weight data is null");
  if (w.layout == WeightLayout::kPanels && !PanelLayoutSupports(w.type)) {
    return InvalidArgumentError("matmul: weight type " + std::string(traits->name) +
                                " has no panel layout");
  }
  return OkStatus();
}

void MatMulAtLevel(SimdLevel level, const WeightView& w, const float* act, std::int64_t tokens,
                   float* out, ThreadPool& pool, MatMulScratch& scratch) {
  const internal::PathKernels& kernels = *KernelsFor(level, w);
  const TensorType act_type = ScalarVecDot(w.type).act_type;
  const std::int64_t cols = w.cols;
  const std::size_t row_bytes = kernels.prepared_row_bytes(cols);
  const std::size_t tmp_bytes = RoundUp64(static_cast<std::size_t>(RowBytes(act_type, cols)));
  const std::size_t thread_bytes = kernels.thread_scratch_bytes != nullptr
                                       ? RoundUp64(kernels.thread_scratch_bytes(w, tokens))
                                       : 0;
  const std::int64_t multiple = tokens >= kernels.pad_from_tokens ? kernels.token_multiple : 1;
  const std::int64_t padded_tokens = (tokens + multiple - 1) / multiple * multiple;
  const int threads = pool.size();
  std::uint8_t* base =
      scratch.Get(row_bytes * padded_tokens + (tmp_bytes + thread_bytes) * threads);
  std::uint8_t* tmp = base + row_bytes * padded_tokens;
  std::uint8_t* thread_scratch = tmp + tmp_bytes * threads;
  std::memset(base + row_bytes * tokens, 0, row_bytes * (padded_tokens - tokens));

  const internal::PreparedActivations prepared{base, row_bytes, tokens, cols};
  auto prepare = [&](int thread_idx, std::int64_t begin, std::int64_t end) {
    for (std::int64_t t = begin; t < end; ++t) {
      PrepareToken(kernels, act_type, act + t * cols, cols, tmp + tmp_bytes * thread_idx,
                   base + row_bytes * t);
    }
  };
  if (tokens < kParallelPrepareTokens || threads == 1) {
    prepare(0, 0, tokens);
  } else {
    pool.Run([&](int thread_idx) {
      auto [begin, end] = ThreadPool::Split(tokens, thread_idx, threads);
      prepare(thread_idx, begin, end);
    });
  }

  const std::int64_t grains = (w.rows + kRowGrain - 1) / kRowGrain;
  pool.Run([&](int thread_idx) {
    auto [begin, end] = ThreadPool::Split(grains, thread_idx, threads);
    const std::int64_t row_begin = std::min(begin * kRowGrain, w.rows);
    const std::int64_t row_end = std::min(end * kRowGrain, w.rows);
    if (row_begin < row_end) {
      kernels.compute(w, prepared, row_begin, row_end, 0, tokens, out,
                      thread_scratch + thread_bytes * thread_idx);
    }
  });
}

void MatMul(const WeightView& w, const float* act, std::int64_t tokens, float* out,
            ThreadPool& pool, MatMulScratch& scratch) {
  MatMulAtLevel(SelectedSimdLevel(), w, act, tokens, out, pool, scratch);
}

}  // namespace citadel::kernels
