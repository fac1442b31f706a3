#include "kernels/matmul.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <new>
#include <string>

#include "kernels/activation_quant.h"
#include "kernels/matmul_kernels.h"
#include "kernels/vec_dot.h"
#include "kernels/weight_panels.h"
#include "util/chunk_queue.h"

namespace citadel::kernels {
namespace {

constexpr std::size_t RoundUp64(std::size_t n) {
  return (n + 63) / 64 * 64;
}

// Below this many tokens the calling thread prepares the activations alone:
// one extra fork-join would cost more than it saves.
constexpr std::int64_t kParallelPrepareTokens = 4;

// Rows of one chunk of work are a multiple of this (a cache line of outputs).
constexpr std::int64_t kRowGrain = 16;

// The shortest chunk of grains a participant claims: 64 rows, tens of
// kilobytes of weights, long enough that claiming costs nothing measurable.
constexpr std::int64_t kMinChunkGrains = 4;

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
    if (const internal::PathKernels* k =
            FirstOf({internal::Avx512Kernels, internal::Avx512Q4_1Q5Bf16Kernels,
                     internal::Avx512Q2KQ3KQ5KKernels},
                    type)) {
      return k;
    }
  }
  if (level >= SimdLevel::kAvxVnni && DetectCpuFeatures().avx_vnni) {
    if (const internal::PathKernels* k = internal::AvxVnniKernels(type)) return k;
  }
  if (level >= SimdLevel::kAvx2) {
    if (const internal::PathKernels* k =
            FirstOf({internal::Avx2Kernels, internal::Avx2Q4_1Q5Bf16Kernels,
                     internal::Avx2Q2KQ3KQ5KKernels},
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

// How one MatMulShared call lays out its scratch: each distinct activation
// preparation once (targets whose kernels prepare the same layout share it),
// then per-thread quantization rows, then per-thread kernel scratch.
struct SharedPlan {
  struct Preparation {
    const internal::PathKernels* kernels;  // whose prepare_row writes it
    TensorType act_type;
    std::size_t row_bytes;
    std::int64_t padded_tokens;
    std::uint8_t* base;  // set once the scratch is allocated
  };
  std::array<Preparation, kMaxMatMulTargets> preps;
  std::size_t num_preps = 0;
  std::array<std::size_t, kMaxMatMulTargets> prep_of{};  // per target
  std::array<const internal::PathKernels*, kMaxMatMulTargets> kernels_of{};
  std::size_t prepared_bytes = 0, tmp_bytes = 0, thread_bytes = 0;
};

SharedPlan PlanShared(SimdLevel level, std::span<const MatMulTarget> targets, std::int64_t tokens) {
  SharedPlan plan;
  const std::int64_t cols = targets[0].weight.cols;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const WeightView& w = targets[i].weight;
    assert(w.cols == cols);
    const internal::PathKernels* kernels = KernelsFor(level, w);
    const TensorType act_type = ScalarVecDot(w.type).act_type;
    const std::int64_t multiple = tokens >= kernels->pad_from_tokens ? kernels->token_multiple : 1;
    const SharedPlan::Preparation prep{kernels, act_type, kernels->prepared_row_bytes(cols),
                                       (tokens + multiple - 1) / multiple * multiple, nullptr};
    std::size_t j = 0;
    while (j < plan.num_preps &&
           !(plan.preps[j].kernels->prepare_row == kernels->prepare_row &&
             plan.preps[j].act_type == act_type && plan.preps[j].row_bytes == prep.row_bytes &&
             plan.preps[j].padded_tokens == prep.padded_tokens)) {
      ++j;
    }
    if (j == plan.num_preps) {
      plan.preps[plan.num_preps++] = prep;
      plan.prepared_bytes += prep.row_bytes * static_cast<std::size_t>(prep.padded_tokens);
    }
    plan.prep_of[i] = j;
    plan.kernels_of[i] = kernels;
    plan.tmp_bytes =
        std::max(plan.tmp_bytes, RoundUp64(static_cast<std::size_t>(RowBytes(act_type, cols))));
    if (kernels->thread_scratch_bytes != nullptr) {
      plan.thread_bytes =
          std::max(plan.thread_bytes, RoundUp64(kernels->thread_scratch_bytes(w, tokens)));
    }
  }
  return plan;
}

// Quantizes and prepares every token's row for each of the plan's
// preparations; `tmp` holds one quantized row per thread.
void PrepareShared(const SharedPlan& plan, const float* act, std::int64_t cols, std::int64_t tokens,
                   std::uint8_t* tmp, ThreadPool& pool) {
  auto prepare = [&](int thread_idx, std::int64_t begin, std::int64_t end) {
    for (std::size_t j = 0; j < plan.num_preps; ++j) {
      const SharedPlan::Preparation& prep = plan.preps[j];
      for (std::int64_t t = begin; t < end; ++t) {
        PrepareToken(*prep.kernels, prep.act_type, act + t * cols, cols,
                     tmp + plan.tmp_bytes * thread_idx, prep.base + prep.row_bytes * t);
      }
    }
  };
  const int threads = pool.size();
  if (tokens < kParallelPrepareTokens || threads == 1) {
    prepare(0, 0, tokens);
  } else {
    pool.Run([&](int thread_idx) {
      auto [begin, end] = ThreadPool::Split(tokens, thread_idx, threads);
      prepare(thread_idx, begin, end);
    });
  }
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
  const MatMulTarget target{w, out};
  MatMulSharedAtLevel(level, std::span<const MatMulTarget>(&target, 1), act, tokens, pool, scratch);
}

void MatMulSharedAtLevel(SimdLevel level, std::span<const MatMulTarget> targets, const float* act,
                         std::int64_t tokens, ThreadPool& pool, MatMulScratch& scratch) {
  assert(!targets.empty() && targets.size() <= kMaxMatMulTargets);
  SharedPlan plan = PlanShared(level, targets, tokens);
  const int threads = pool.size();
  std::uint8_t* base =
      scratch.Get(plan.prepared_bytes + (plan.tmp_bytes + plan.thread_bytes) * threads);
  for (std::size_t j = 0; j < plan.num_preps; ++j) {
    SharedPlan::Preparation& prep = plan.preps[j];
    prep.base = base;
    base += prep.row_bytes * static_cast<std::size_t>(prep.padded_tokens);
    std::memset(prep.base + prep.row_bytes * tokens, 0,
                prep.row_bytes * (prep.padded_tokens - tokens));
  }
  std::uint8_t* tmp = base;
  std::uint8_t* thread_scratch = tmp + plan.tmp_bytes * threads;
  PrepareShared(plan, act, targets[0].weight.cols, tokens, tmp, pool);

  // The targets' row grains, end to end, handed out as one range in guided
  // chunks (util/chunk_queue.h): long contiguous runs for streaming, and no
  // participant left waiting for a slower one at the end.
  std::int64_t grains = 0;
  for (const MatMulTarget& t : targets) grains += (t.weight.rows + kRowGrain - 1) / kRowGrain;
  ChunkQueue queue(grains, threads, kMinChunkGrains);
  auto compute = [&](int thread_idx, std::int64_t begin, std::int64_t end) {
    std::int64_t first = 0;  // the first grain of target i
    for (std::size_t i = 0; i < targets.size() && first < end; ++i) {
      const WeightView& w = targets[i].weight;
      const std::int64_t count = (w.rows + kRowGrain - 1) / kRowGrain;
      const std::int64_t row_begin = std::min((std::max(begin, first) - first) * kRowGrain, w.rows);
      const std::int64_t row_end =
          std::min((std::min(end, first + count) - first) * kRowGrain, w.rows);
      if (row_begin < row_end) {
        const SharedPlan::Preparation& prep = plan.preps[plan.prep_of[i]];
        const internal::PreparedActivations prepared{prep.base, prep.row_bytes, tokens, w.cols};
        plan.kernels_of[i]->compute(w, prepared, row_begin, row_end, 0, tokens, targets[i].out,
                                    thread_scratch + plan.thread_bytes * thread_idx);
      }
      first += count;
    }
  };
  pool.Run([&](int thread_idx) {
    std::int64_t begin = 0, end = 0;
    while (queue.Next(&begin, &end)) compute(thread_idx, begin, end);
  });
}

void MatMul(const WeightView& w, const float* act, std::int64_t tokens, float* out,
            ThreadPool& pool, MatMulScratch& scratch) {
  MatMulAtLevel(SelectedSimdLevel(), w, act, tokens, out, pool, scratch);
}

void MatMulShared(std::span<const MatMulTarget> targets, const float* act, std::int64_t tokens,
                  ThreadPool& pool, MatMulScratch& scratch) {
  MatMulSharedAtLevel(SelectedSimdLevel(), targets, act, tokens, pool, scratch);
}

}  // namespace citadel::kernels
