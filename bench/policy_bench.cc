// Content-policy throughput on one core (Google Benchmark; bytes/s is the
// figure): the PII scanner over ~1 MB of mixed Chinese/English prose with
// personal data and look-alikes sprinkled through it (about one value per
// 150 bytes, more than real chat text carries); the sensitive-word matcher
// and the stream filter over the same text with a generated 10,000-term
// lexicon (two thirds Chinese terms of 2-4 characters drawn from the 3,000
// most used CJK code points' range, one third Latin words of 4-10 letters),
// which also plants a few of its terms in the text.
//
//   build/bench/policy_bench [--benchmark_filter=Pii]
#include <benchmark/benchmark.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "security/pii_scanner.h"
#include "security/stream_filter.h"
#include "security/word_filter.h"

namespace {

using citadel::security::PiiScanner;
using citadel::security::WordMatcher;
using citadel::security::WordTerm;

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

void AppendUtf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::vector<WordTerm> GeneratedLexicon(std::size_t count) {
  std::mt19937 rng(11);
  std::vector<WordTerm> terms;
  for (std::uint32_t id = 1; terms.size() < count; ++id) {
    std::string term;
    if (id % 3 != 0) {
      const int length = 2 + static_cast<int>(rng() % 3);
      for (int i = 0; i < length; ++i) AppendUtf8(term, 0x4E00 + rng() % 3000);
    } else {
      const int length = 4 + static_cast<int>(rng() % 7);
      for (int i = 0; i < length; ++i) term.push_back(static_cast<char>('a' + rng() % 26));
    }
    terms.push_back({id, std::move(term)});
  }
  return terms;
}

const WordMatcher& TenThousandTerms() {
  static const WordMatcher matcher = std::move(*WordMatcher::Build(GeneratedLexicon(10000)));
  return matcher;
}

std::string TextWithTerms() {
  std::string text = MixedText(1 << 20);
  const std::vector<WordTerm> terms = GeneratedLexicon(10000);
  for (std::size_t pos = 4000, i = 0; pos < text.size(); pos += 4000, ++i) {
    while (pos < text.size() && (static_cast<unsigned char>(text[pos]) & 0xC0) == 0x80) ++pos;
    text.insert(pos, terms[(i * 97) % terms.size()].text);
  }
  return text;
}

void BM_WordMatch(benchmark::State& state) {
  const std::string text = TextWithTerms();
  const WordMatcher& matcher = TenThousandTerms();
  std::vector<citadel::security::WordMatch> matches;
  for (auto _ : state) {
    matches.clear();
    matcher.FindAll(text, {}, matches);
    benchmark::DoNotOptimize(matches.data());
  }
  state.counters["matches"] = static_cast<double>(matches.size());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_WordMatch)->Unit(benchmark::kMillisecond);

// An answer streamed in pieces of about 4 bytes (a token's worth), masked.
void BM_StreamFilter(benchmark::State& state) {
  const std::string text = TextWithTerms().substr(0, 64 << 10);
  auto matcher = std::shared_ptr<const WordMatcher>(&TenThousandTerms(), [](const WordMatcher*) {});
  for (auto _ : state) {
    citadel::security::StreamFilter filter(matcher, citadel::security::WordAction::kMask);
    std::size_t sent = 0;
    for (std::size_t pos = 0; pos < text.size(); pos += 4) {
      sent += filter.Push(std::string_view(text).substr(pos, 4)).text.size();
    }
    sent += filter.Finish().text.size();
    benchmark::DoNotOptimize(sent);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_StreamFilter)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
