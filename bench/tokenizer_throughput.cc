// Tokenizer throughput against the reference engine, on the same vocab.
//
//   tokenizer_throughput --model VOCAB.gguf [--reference PATH/llama-tokenize]
//                   [--corpus FILE | --corpus-bytes N] [--write-corpus FILE] [--reps N]
//
// The default corpus is ~1 MB of mixed text built deterministically: English
// prose, Chinese prose and C++ source (this repository's own src/ files).
// Citadel's time is Encode() alone (best of --reps). The reference's time is
// the wall time of `llama-tokenize -f corpus --ids --no-bos --no-escape --no-parse-special` minus
// the same command on a one-line file (process start and vocab load cancel out), best of --reps.
// The ids of both are compared; the ratio is reference_s / citadel_s.
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "tokenizer/tokenizer.h"

namespace {

namespace fs = std::filesystem;
using citadel::tokenizer::TokenId;
using Clock = std::chrono::steady_clock;

constexpr const char* kEnglishWords[] = {"the",
                                         "of",
                                         "and",
                                         "to",
                                         "a",
                                         "in",
                                         "is",
                                         "it",
                                         "you",
                                         "that",
                                         "he",
                                         "was",
                                         "for",
                                         "on",
                                         "are",
                                         "with",
                                         "as",
                                         "I",
                                         "his",
                                         "they",
                                         "be",
                                         "at",
                                         "one",
                                         "have",
                                         "this",
                                         "from",
                                         "or",
                                         "had",
                                         "by",
                                         "hot",
                                         "word",
                                         "but",
                                         "what",
                                         "some",
                                         "we",
                                         "can",
                                         "out",
                                         "other",
                                         "were",
                                         "all",
                                         "there",
                                         "when",
                                         "up",
                                         "use",
                                         "your",
                                         "how",
                                         "said",
                                         "an",
                                         "each",
                                         "she",
                                         "which",
                                         "do",
                                         "their",
                                         "time",
                                         "if",
                                         "will",
                                         "way",
                                         "about",
                                         "many",
                                         "then",
                                         "them",
                                         "write",
                                         "would",
                                         "like",
                                         "so",
                                         "these",
                                         "her",
                                         "long",
                                         "make",
                                         "thing",
                                         "see",
                                         "him",
                                         "two",
                                         "has",
                                         "look",
                                         "more",
                                         "day",
                                         "could",
                                         "go",
                                         "come",
                                         "did",
                                         "number",
                                         "sound",
                                         "no",
                                         "most",
                                         "people",
                                         "my",
                                         "over",
                                         "know",
                                         "water",
                                         "than",
                                         "call",
                                         "first",
                                         "who",
                                         "may",
                                         "down",
                                         "side",
                                         "been",
                                         "now",
                                         "find",
                                         "server",
                                         "model",
                                         "tokenizer",
                                         "request",
                                         "latency",
                                         "throughput",
                                         "deployment",
                                         "enterprise",
                                         "configuration",
                                         "Kubernetes",
                                         "OpenAI",
                                         "don't",
                                         "it's",
                                         "we're",
                                         "they've",
                                         "I'll",
                                         "she'd",
                                         "Müller",
                                         "naïve",
                                         "café",
                                         "résumé"};

constexpr const char* kChineseChars =
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子"
    "说"
    "产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当"
    "使"
    "点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你"
    "明"
    "看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果"
    "料"
    "象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农"
    "指"
    "模型服务器请求响应部署企业数据安全用户系统";
constexpr const char* kChinesePunctuation[] = {"，", "。", "、", "；", "：", "？", "！"};

std::string EnglishParagraph(std::mt19937& rng) {
  std::string out;
  const int sentences = 3 + static_cast<int>(rng() % 4);
  for (int s = 0; s < sentences; ++s) {
    const int words = 6 + static_cast<int>(rng() % 14);
    for (int w = 0; w < words; ++w) {
      std::string word = kEnglishWords[rng() % std::size(kEnglishWords)];
      if (w == 0) word[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(word[0])));
      if (rng() % 23 == 0) word = std::to_string(rng() % 100000);
      out += word;
      if (w + 1 < words) out += (rng() % 9 == 0) ? ", " : " ";
    }
    out += (rng() % 7 == 0) ? "? " : ". ";
  }
  out += "\n\n";
  return out;
}

std::string ChineseParagraph(std::mt19937& rng) {
  std::vector<std::string> chars;
  for (std::size_t i = 0; kChineseChars[i] != '\0';) {
    const std::size_t len = (static_cast<unsigned char>(kChineseChars[i]) >= 0xE0) ? 3 : 1;
    chars.emplace_back(kChineseChars + i, len);
    i += len;
  }
  std::string out;
  const int clauses = 4 + static_cast<int>(rng() % 6);
  for (int c = 0; c < clauses; ++c) {
    const int length = 4 + static_cast<int>(rng() % 12);
    for (int i = 0; i < length; ++i) out += chars[rng() % chars.size()];
    if (rng() % 11 == 0) out += std::to_string(rng() % 2030);
    out += kChinesePunctuation[rng() % std::size(kChinesePunctuation)];
  }
  out += "\n";
  return out;
}

std::string SourceCode(const fs::path& root, std::size_t want_bytes) {
  std::vector<fs::path> files;
  if (fs::exists(root)) {
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
      const auto ext = entry.path().extension();
      if (entry.is_regular_file() && (ext == ".cc" || ext == ".h")) files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  std::string out;
  for (const auto& file : files) {
    if (out.size() >= want_bytes) break;
    std::ifstream in(file, std::ios::binary);
    std::ostringstream buffer;
    buffer << in.rdbuf();
    out += buffer.str();
  }
  return out.substr(0, std::min(out.size(), want_bytes));
}

// ~45% English, ~25% Chinese, ~30% code, interleaved in blocks.
std::string BuildCorpus(std::size_t bytes) {
  std::mt19937 rng(20261125);
  const std::string code = SourceCode(fs::path(CITADEL_SOURCE_DIR) / "src", bytes * 3 / 10);
  std::string out;
  std::size_t code_pos = 0;
  while (out.size() < bytes) {
    for (int i = 0; i < 3; ++i) out += EnglishParagraph(rng);
    out += ChineseParagraph(rng);
    out += ChineseParagraph(rng);
    if (code_pos < code.size()) {
      const std::size_t take = std::min<std::size_t>(1500, code.size() - code_pos);
      out += code.substr(code_pos, take);
      code_pos += take;
    } else {
      out += EnglishParagraph(rng);
    }
  }
  // Cut at a character boundary.
  std::size_t end = bytes;
  while (end > 0 && (static_cast<unsigned char>(out[end]) & 0xC0) == 0x80) --end;
  out.resize(end);
  return out;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Runs `command` (stdout to `out_path`); returns wall seconds, or -1 on failure.
double TimeCommand(const std::string& command, const std::string& out_path) {
  const auto start = Clock::now();
  const int rc = std::system((command + " > " + out_path + " 2>/dev/null").c_str());
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return (rc == 0) ? seconds : -1.0;
}

std::vector<TokenId> ParseIdList(const std::string& text) {
  std::vector<TokenId> ids;
  std::string number;
  for (const char c : text) {
    if (c >= '0' && c <= '9') {
      number += c;
    } else if (!number.empty()) {
      ids.push_back(std::stoi(number));
      number.clear();
    }
  }
  if (!number.empty()) ids.push_back(std::stoi(number));
  return ids;
}

struct Args {
  std::string model;
  std::string reference;
  std::string corpus;
  std::string write_corpus;
  std::size_t corpus_bytes = 1 << 20;
  int reps = 3;
};

bool ParseArgs(int argc, char** argv, Args* args) {
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) return false;
    const std::string value = argv[++i];
    if (flag == "--model") {
      args->model = value;
    } else if (flag == "--reference") {
      args->reference = value;
    } else if (flag == "--corpus") {
      args->corpus = value;
    } else if (flag == "--write-corpus") {
      args->write_corpus = value;
    } else if (flag == "--corpus-bytes") {
      args->corpus_bytes = std::stoul(value);
    } else if (flag == "--reps") {
      args->reps = std::max(1, std::stoi(value));
    } else {
      return false;
    }
  }
  return !args->model.empty();
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!ParseArgs(argc, argv, &args)) {
    std::fprintf(stderr,
                 "usage: tokenizer_throughput --model VOCAB.gguf [--reference llama-tokenize] "
                 "[--corpus FILE | --corpus-bytes N] [--write-corpus FILE] [--reps N]\n");
    return 2;
  }
  const std::string corpus =
      args.corpus.empty() ? BuildCorpus(args.corpus_bytes) : ReadFile(args.corpus);
  if (!args.write_corpus.empty()) std::ofstream(args.write_corpus, std::ios::binary) << corpus;

  auto file = citadel::gguf::GgufFile::Open(args.model);
  if (!file.ok()) {
    std::fprintf(stderr, "tokenizer_throughput: %s\n", file.status().ToString().c_str());
    return 1;
  }
  const auto load_start = Clock::now();
  auto tok = citadel::tokenizer::Tokenizer::FromGguf(*file);
  const double load_s = std::chrono::duration<double>(Clock::now() - load_start).count();
  if (!tok.ok()) {
    std::fprintf(stderr, "tokenizer_throughput: %s\n", tok.status().ToString().c_str());
    return 1;
  }
  std::vector<TokenId> ids;
  double citadel_s = 1e30;
  for (int rep = 0; rep < args.reps; ++rep) {
    const auto start = Clock::now();
    ids = (*tok)->Encode(corpus, false, false);
    citadel_s = std::min(citadel_s, std::chrono::duration<double>(Clock::now() - start).count());
  }
  const double mb = corpus.size() / 1e6;
  std::printf("corpus: %zu bytes; vocab: %s (load %.3f s)\n", corpus.size(), args.model.c_str(),
              load_s);
  std::printf("citadel:   %zu tokens in %.4f s = %.2f MB/s, %.0f tokens/s\n", ids.size(), citadel_s,
              mb / citadel_s, ids.size() / citadel_s);
  if (args.reference.empty()) return 0;

  const fs::path dir = fs::temp_directory_path() / ("citadel_tokbench_" + std::to_string(getpid()));
  fs::create_directories(dir);
  const std::string corpus_path = (dir / "corpus.txt").string();
  const std::string tiny_path = (dir / "tiny.txt").string();
  std::ofstream(corpus_path, std::ios::binary) << corpus;
  std::ofstream(tiny_path, std::ios::binary) << "Hello world";
  const std::string base = args.reference + " -m " + args.model +
                           " --ids --log-disable --no-bos --no-escape --no-parse-special -f ";
  double full_s = 1e30;
  double tiny_s = 1e30;
  for (int rep = 0; rep < args.reps; ++rep) {
    full_s = std::min(full_s, TimeCommand(base + corpus_path, (dir / "ids.txt").string()));
    tiny_s = std::min(tiny_s, TimeCommand(base + tiny_path, (dir / "tiny_ids.txt").string()));
  }
  if (full_s < 0 || tiny_s < 0) {
    std::fprintf(stderr, "tokenizer_throughput: the reference command failed: %s\n", base.c_str());
    return 1;
  }
  const std::vector<TokenId> ref_ids = ParseIdList(ReadFile((dir / "ids.txt").string()));
  fs::remove_all(dir);
  const double reference_s = std::max(1e-6, full_s - tiny_s);
  std::size_t first_diff = 0;
  while (first_diff < ids.size() && first_diff < ref_ids.size() &&
         ids[first_diff] == ref_ids[first_diff]) {
    ++first_diff;
  }
  std::printf("reference: %zu tokens in %.4f s = %.2f MB/s (process %.3f s, startup %.3f s)\n",
              ref_ids.size(), reference_s, mb / reference_s, full_s, tiny_s);
  std::printf("ids identical: %s", ids == ref_ids ? "yes" : "NO");
  if (ids != ref_ids) std::printf(" (first difference at token %zu)", first_diff);
  std::printf("\nspeedup (reference time / citadel time): %.2fx\n", reference_s / citadel_s);
  return ids == ref_ids ? 0 : 3;
}
