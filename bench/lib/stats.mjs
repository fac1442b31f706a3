// Small statistics helpers for benchmark reports.

// The q-quantile (0..1) of `values` by the nearest-rank rule (no
// interpolation); NaN for an empty list. Does not modify `values`.
export function percentile(values, q) {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}
