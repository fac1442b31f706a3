// Small hand-built vocabularies for the tokenizer unit tests (no ../shared).
#pragma once

#include <string>
#include <vector>

#include "tokenizer/tokenizer_impl.h"
#include "tokenizer/vocab.h"

namespace citadel::tokenizer::testing {

// SentencePiece ("llama"): 0 <unk>, 1 <s>, 2 </s>, 3..258 <0x00>..<0xFF>,
// then pieces whose score is minus their id (lower id merges first).
inline constexpr int kSpmByteBase = 3;
inline Vocab SpmVocab() {
  Vocab v;
  v.model = "llama";
  v.tokens = {"<unk>", "<s>", "</s>"};
  v.types = {TokenType::kUnknown, TokenType::kControl, TokenType::kControl};
  char buf[8];
  for (int b = 0; b < 256; ++b) {
    std::snprintf(buf, sizeof(buf), "<0x%02X>", b);
    v.tokens.push_back(buf);
    v.types.push_back(TokenType::kByte);
  }
  for (const char* piece :
       {"\xE2\x96\x81", "h", "e", "l", "o", "\xE2\x96\x81h", "el", "ll", "\xE2\x96\x81he",
        "\xE2\x96\x81hel", "\xE2\x96\x81hell", "\xE2\x96\x81hello", "lo"}) {
    v.tokens.push_back(piece);
    v.types.push_back(TokenType::kNormal);
  }
  for (std::size_t id = 0; id < v.tokens.size(); ++id) v.scores.push_back(-float(id));
  return v;
}
inline constexpr int kSpmSpace = 259;   // "▁"
inline constexpr int kSpmSpaceH = 264;  // "▁h"
inline constexpr int kSpmHello = 270;   // "▁hello"

// Byte-level BPE ("gpt2", pre-tokenizer gpt-2): ids 0..255 are the bytes,
// then the merge results, then special tokens.
inline Vocab BpeVocab() {
  Vocab v;
  v.model = "gpt2";
  v.pre = "gpt-2";
  for (int b = 0; b < 256; ++b) v.tokens.push_back(ByteToGpt2Char(static_cast<unsigned char>(b)));
  v.merges = {"h e", "l l", "he ll", "hell o", "Ġ w", "o r", "Ġw or", "Ġwor l", "Ġworl d"};
  for (const char* merged : {"he", "ll", "hell", "hello", "Ġw", "or", "Ġwor", "Ġworl", "Ġworld"}) {
    v.tokens.push_back(merged);
  }
  v.types.assign(v.tokens.size(), TokenType::kNormal);
  v.tokens.push_back("<|endoftext|>");
  v.types.push_back(TokenType::kControl);
  v.tokens.push_back("<|im_start|>");
  v.types.push_back(TokenType::kControl);
  v.tokens.push_back("<tool>");
  v.types.push_back(TokenType::kUserDefined);
  v.eos_id = 265;
  v.bos_id = 265;
  return v;
}
inline constexpr int kBpeLl = 257;
inline constexpr int kBpeHello = 259;
inline constexpr int kBpeSpaceWorld = 264;
inline constexpr int kBpeEndOfText = 265;
inline constexpr int kBpeImStart = 266;
inline constexpr int kBpeTool = 267;

// WordPiece ("bert").
inline Vocab WpmVocab() {
  Vocab v;
  v.model = "bert";
  v.tokens = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "▁hello", "▁world",
              "▁cafe", "▁,",    "▁!",    "▁wor",  "ld"};
  v.types.assign(v.tokens.size(), TokenType::kNormal);
  for (int id = 0; id < 4; ++id) v.types[id] = TokenType::kControl;
  v.pad_id = 0;
  v.unk_id = 1;
  v.bos_id = 2;
  v.sep_id = 3;
  return v;
}

}  // namespace citadel::tokenizer::testing
