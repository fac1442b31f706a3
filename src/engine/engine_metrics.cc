#include "engine/engine_metrics.h"

#include <algorithm>

namespace citadel::engine {

LatencyHistogram::LatencyHistogram(std::vector<double> bounds_ms)
    : bounds_ms_(std::move(bounds_ms)), counts_(bounds_ms_.size() + 1, 0) {}

LatencyHistogram LatencyHistogram::ForRequestLatency() {
  return LatencyHistogram(
      {1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000});
}

LatencyHistogram LatencyHistogram::ForTokenLatency() {
  return LatencyHistogram({1, 2.5, 5, 10, 15, 20, 30, 50, 75, 100, 150, 250, 500, 1000, 2500});
}

void LatencyHistogram::Observe(double value_ms) {
  const auto it = std::lower_bound(bounds_ms_.begin(), bounds_ms_.end(), value_ms);
  ++counts_[static_cast<size_t>(it - bounds_ms_.begin())];
  ++count_;
  sum_ms_ += value_ms;
}

double LatencyHistogram::QuantileUpperBoundMs(double q) const {
  if (count_ == 0) return 0;
  const double target = q * static_cast<double>(count_);
  std::int64_t seen = 0;
  for (size_t i = 0; i < bounds_ms_.size(); ++i) {
    seen += counts_[i];
    if (static_cast<double>(seen) >= target) return bounds_ms_[i];
  }
  return bounds_ms_.empty() ? 0 : bounds_ms_.back();
}

}  // namespace citadel::engine
