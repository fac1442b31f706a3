// Numerically stable softmax in place: x[i] = exp(x[i] - max) / sum.
//
// Pure function over a caller-owned buffer; thread-safe.
#pragma once

#include <span>

namespace citadel::kernels {

// Replaces x with softmax(x); returns the maximum of the input. Entries equal
// to -infinity become 0. An empty span is left alone (returns -infinity).
float Softmax(std::span<float> x);

// log(sum(exp(x))) computed stably; -infinity for an empty span.
float LogSumExp(std::span<const float> x);

}  // namespace citadel::kernels
