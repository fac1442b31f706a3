// libFuzzer target for the tokenizers: arbitrary bytes are encoded by one of
// several hand-built tokenizers (SentencePiece, byte-level BPE with scanner
// and PCRE2 pre-tokenizers, gemma4-style BPE, WordPiece), picked by the first
// byte together with add_special/parse_special; the ids are decoded whole and
// streamed. Nothing may crash; ids stay in range; streamed text is valid
// UTF-8; byte-level BPE gives the (U+FFFD-sanitised) text back.
// CITADEL_FUZZ_VOCAB=path.gguf adds a real vocabulary to the rotation.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "../unit/tokenizer/tokenizer_test_vocabs.h"
#include "gguf/gguf_file.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/unicode.h"

namespace {

using citadel::tokenizer::StreamDecoder;
using citadel::tokenizer::TokenId;
using citadel::tokenizer::Tokenizer;
using citadel::tokenizer::Vocab;

struct Entry {
  std::unique_ptr<Tokenizer> tokenizer;
  bool byte_level = false;  // Decode(Encode(text)) gives the sanitised text back
};

void Add(std::vector<Entry>* entries, Vocab vocab, bool byte_level) {
  auto tok = Tokenizer::FromVocab(std::move(vocab));
  if (!tok.ok()) __builtin_trap();  // the fixed vocabularies must load
  entries->push_back(Entry{std::move(tok).value(), byte_level});
}

std::vector<Entry> BuildTokenizers() {
  namespace t = citadel::tokenizer::testing;
  std::vector<Entry> entries;
  Add(&entries, t::SpmVocab(), false);
  for (const char* pre : {"gpt-2", "llama-bpe", "qwen2", "qwen35", "deepseek-llm", "deepseek-coder",
                          "falcon", "default", "gpt-4o"}) {
    Vocab vocab = t::BpeVocab();
    vocab.pre = pre;
    Add(&entries, std::move(vocab), true);
  }
  Vocab gemma = t::SpmVocab();
  gemma.model = "gemma4";
  gemma.merges = {"\xE2\x96\x81 h", "e l", "l l", "l o"};
  Add(&entries, std::move(gemma), false);
  Add(&entries, t::WpmVocab(), false);
  if (const char* path = std::getenv("CITADEL_FUZZ_VOCAB")) {
    auto file = citadel::gguf::GgufFile::Open(path);
    if (file.ok()) {
      auto tok = Tokenizer::FromGguf(*file);
      if (tok.ok()) entries.push_back(Entry{std::move(tok).value(), false});
    }
  }
  return entries;
}

std::string Sanitised(std::string_view text) {
  std::string out;
  for (const std::uint32_t cpt : citadel::tokenizer::DecodeUtf8(text)) {
    citadel::tokenizer::AppendUtf8(cpt, &out);
  }
  return out;
}

bool IsStrictUtf8(std::string_view text) {
  for (std::size_t pos = 0; pos < text.size();) {
    const int len = citadel::tokenizer::Utf8SequenceStatus(text.substr(pos));
    if (len <= 0) return false;
    pos += static_cast<std::size_t>(len);
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::vector<Entry> entries = BuildTokenizers();
  if (size == 0) return 0;
  const std::uint8_t selector = data[0];
  const Entry& entry = entries[selector % entries.size()];
  const bool add_special = (selector & 0x40) != 0;
  const bool parse_special = (selector & 0x80) != 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  const Tokenizer& tok = *entry.tokenizer;

  const std::vector<TokenId> ids = tok.Encode(text, add_special, parse_special);
  for (const TokenId id : ids) {
    if (id < 0 || id >= tok.vocab_size()) __builtin_trap();
  }
  const std::string decoded = tok.Decode(ids);
  if (entry.byte_level && !add_special && !parse_special && decoded != Sanitised(text)) {
    __builtin_trap();
  }
  StreamDecoder stream(tok);
  std::string streamed;
  for (const TokenId id : ids) streamed += stream.Push(id);
  streamed += stream.Flush();
  if (!IsStrictUtf8(streamed)) __builtin_trap();
  return 0;
}
