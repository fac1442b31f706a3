// Content-policy throughput on one core (Google Benchmark; bytes/s is the
// figure): the PII scanner over ~1 MB of mixed Chinese/English prose with
// personal data and look-alikes sprinkled through it (about one value per
// 150 bytes, more than real chat text carries).
//
//   build/bench/policy_bench [--benchmark_filter=Pii]
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "security/pii_scanner.h"

namespace {

using citadel::security::PiiScanner;

constexpr const char* kProse[] = {
    "今天的会议讨论了第三季度的预算安排，请各部门在周五前提交材料。",
    "客户反馈系统登录缓慢，运维同事正在排查网络问题。",
    "The quarterly report is attached; please review the revenue figures before Monday. ",
    "我们计划在下个月上线新版本，届时会有短暂的停机维护。",
    "Please remember to rotate the credentials and update the runbook accordingly. ",
    "医生建议患者每天按时服药，并在两周后复诊。",
    "Shipping was delayed by the storm, and the warehouse expects to catch up by Friday. ",
    "订单已经发货，预计三到五个工作日送达，请注意查收。",
};
constexpr const char* kValues[] = {
    "手机13812345678，",          "身份证11010519491231002X。",
    "call +86 139 1234 5678 ",    "卡号6222021234567890128 ",
    "mail li.lei@example.com ",   "IP 10.0.3.17:6379 ",
    "座机(0755)1234-5678转8001 ", "版本v2.3.1.4 ",
    "订单202311051234567890 ",    "at 2024-05-06 14:30:00 ",
    "passport E12345678 ",        "gw 2001:db8::1 ",
};

std::string MixedText(std::size_t bytes) {
  std::mt19937 rng(7);
  std::string text;
  while (text.size() < bytes) {
    text += kProse[rng() % std::size(kProse)];
    if (rng() % 2 == 0) text += kValues[rng() % std::size(kValues)];
  }
  return text;
}

void BM_PiiScan(benchmark::State& state) {
  const std::string text = MixedText(1 << 20);
  const PiiScanner scanner = std::move(*PiiScanner::Create({}));
  std::size_t found = 0;
  for (auto _ : state) {
    const auto spans = scanner.Scan(text);
    found = spans.size();
    benchmark::DoNotOptimize(spans.data());
  }
  state.counters["spans"] = static_cast<double>(found);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_PiiScan)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
