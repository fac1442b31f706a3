// GPT-2's reversible byte -> printable character mapping: bytes that are
// printable Latin-1 stand for themselves, the other 68 take code points
// U+0100 onwards in byte order.
#include <array>

#include "tokenizer/tokenizer_impl.h"
#include "tokenizer/unicode.h"

namespace citadel::tokenizer {
namespace {

bool StandsForItself(int byte) {
  return (byte >= 0x21 && byte <= 0x7E) || (byte >= 0xA1 && byte <= 0xAC) ||
         (byte >= 0xAE && byte <= 0xFF);
}

struct ByteLevelTables {
  std::array<std::string, 256> byte_to_char;
  std::array<std::int16_t, 512> cpt_to_byte;  // stand-ins are all below U+0200
};

const ByteLevelTables& Tables() {
  static const ByteLevelTables tables = [] {
    ByteLevelTables t;
    t.cpt_to_byte.fill(-1);
    int next = 0;
    for (int byte = 0; byte < 256; ++byte) {
      const std::uint32_t cpt = StandsForItself(byte) ? byte : 256 + next++;
      AppendUtf8(cpt, &t.byte_to_char[byte]);
      t.cpt_to_byte[cpt] = static_cast<std::int16_t>(byte);
    }
    return t;
  }();
  return tables;
}

}  // namespace

const std::string& ByteToGpt2Char(unsigned char byte) {
  return Tables().byte_to_char[byte];
}

int Gpt2CharToByte(std::uint32_t cpt) {
  return cpt < Tables().cpt_to_byte.size() ? Tables().cpt_to_byte[cpt] : -1;
}

}  // namespace citadel::tokenizer
