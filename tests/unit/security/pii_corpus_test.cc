// Precision and recall of the PII scanner on the labelled corpus in
// tests/data/pii/corpus.jsonl (written by tools/gen_pii_corpus.py): Chinese
// and English sentences with values in their written variants and decoys
// that must not be flagged. A span counts only when start, end and type
// all equal the label.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <tuple>

#include "security/pii_scanner.h"

namespace citadel::security {
namespace {

struct Counts {
  int true_positive = 0;
  int false_positive = 0;
  int false_negative = 0;
  double Precision() const {
    const int flagged = true_positive + false_positive;
    return flagged == 0 ? 1.0 : static_cast<double>(true_positive) / flagged;
  }
  double Recall() const {
    const int labelled = true_positive + false_negative;
    return labelled == 0 ? 1.0 : static_cast<double>(true_positive) / labelled;
  }
};

using Labelled = std::tuple<std::size_t, std::size_t, std::string>;

TEST(PiiCorpusTest, PrecisionAndRecallAtLeast98PercentOverall) {
  std::ifstream in(std::string(CITADEL_SOURCE_DIR) + "/tests/data/pii/corpus.jsonl");
  ASSERT_TRUE(in) << "tests/data/pii/corpus.jsonl is missing";
  auto scanner = PiiScanner::Create({});
  ASSERT_TRUE(scanner.ok());
  std::map<std::string, Counts> by_type;
  Counts overall;
  int sentences = 0;
  std::string line;
  while (std::getline(in, line)) {
    const nlohmann::json row = nlohmann::json::parse(line);
    const std::string text = row["text"].get<std::string>();
    std::set<Labelled> want;
    for (const auto& s : row["spans"]) {
      want.insert({s["start"].get<std::size_t>(), s["end"].get<std::size_t>(),
                   s["type"].get<std::string>()});
    }
    std::set<Labelled> got;
    for (const PiiSpan& s : ToCodePointSpans(text, scanner->Scan(text))) {
      got.insert({s.start, s.end, std::string(scanner->TypeName(s))});
    }
    for (const Labelled& s : got) {
      Counts& c = by_type[std::get<2>(s)];
      if (want.contains(s)) {
        ++c.true_positive;
        ++overall.true_positive;
      } else {
        ++c.false_positive;
        ++overall.false_positive;
        std::printf("false positive %s in: %s\n", std::get<2>(s).c_str(), text.c_str());
      }
    }
    for (const Labelled& s : want) {
      if (got.contains(s)) continue;
      ++by_type[std::get<2>(s)].false_negative;
      ++overall.false_negative;
      std::printf("missed %s in: %s\n", std::get<2>(s).c_str(), text.c_str());
    }
    ++sentences;
  }
  ASSERT_GE(sentences, 300);
  for (const auto& [type, c] : by_type) {
    std::printf("%-10s precision %.3f recall %.3f (tp %d, fp %d, fn %d)\n", type.c_str(),
                c.Precision(), c.Recall(), c.true_positive, c.false_positive, c.false_negative);
  }
  std::printf("overall    precision %.3f recall %.3f over %d sentences\n", overall.Precision(),
              overall.Recall(), sentences);
  EXPECT_EQ(by_type.size(), 8u) << "every built-in type is in the corpus";
  EXPECT_GE(overall.Precision(), 0.98);
  EXPECT_GE(overall.Recall(), 0.98);
}

}  // namespace
}  // namespace citadel::security
