// Hostile files: truncations, flipped bytes and absurd counts, lengths,
// dims and offsets written into a file the test builds with the writer.
// Every case must end in an error that names the file, the field and the
// byte offset — never a crash, a hang or an allocation beyond the file size
// (this suite also runs under ASan+UBSan; each parse reads an exactly sized
// heap copy so an over-read is caught).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <string_view>

#include "gguf/gguf_file.h"
#include "gguf/gguf_writer.h"

namespace citadel::gguf {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes Build(GgufWriter& w) {
  auto bytes = w.Serialize();
  EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
  return bytes.ok() ? *bytes : Bytes{};
}

// Metadata "general.architecture" (string), "x.count" (u32), "x.list"
// (string array), "x.flag" (bool); tensors "aaaa" (q8_0, 64×2) and "bbbb" (f32, 8).
Bytes SampleFile() {
  GgufWriter w;
  w.SetString("general.architecture", "llama");
  w.SetU32("x.count", 5);
  w.SetStringArray("x.list", {"one", "two"});
  w.SetBool("x.flag", true);
  EXPECT_TRUE(w.AddTensor("aaaa", TensorType::kQ8_0, {64, 2}, Bytes(4 * 34, 0x11)).ok());
  EXPECT_TRUE(w.AddTensor("bbbb", TensorType::kF32, {8}, Bytes(32, 0x22)).ok());
  return Build(w);
}

// Offset of the first occurrence of `needle` in `bytes`.
std::size_t Locate(const Bytes& bytes, std::string_view needle) {
  auto it = std::search(bytes.begin(), bytes.end(), needle.begin(), needle.end());
  EXPECT_NE(it, bytes.end()) << needle;
  return static_cast<std::size_t>(it - bytes.begin());
}

template <typename T>
void Poke(Bytes& bytes, std::size_t at, T v) {
  ASSERT_LE(at + sizeof(T), bytes.size());
  std::memcpy(bytes.data() + at, &v, sizeof(T));
}

Result<GgufFile> ParseCopy(const Bytes& bytes, std::size_t size) {
  // An exactly sized heap buffer: ASan flags any read past `size`.
  auto* copy = new std::uint8_t[size == 0 ? 1 : size];
  if (size != 0) std::memcpy(copy, bytes.data(), size);
  Result<GgufFile> file =
      GgufFile::Parse(std::span<const std::uint8_t>(copy, size), "corrupt.gguf");
  if (file.ok()) {  // touch every view while the copy is alive
    for (const MetadataEntry& e : file->metadata()) (void)e.value.DebugString();
    for (const TensorInfo& t : file->tensors()) {
      if (!t.data.empty()) (void)(t.data.front() + t.data.back());
    }
  }
  delete[] copy;
  return file;
}

// Parses `bytes`, expects failure, and returns the message after checking it
// names the file and a byte offset.
std::string ExpectError(const Bytes& bytes) {
  Result<GgufFile> file = ParseCopy(bytes, bytes.size());
  EXPECT_FALSE(file.ok());
  if (file.ok()) return "";
  std::string msg = file.status().message();
  EXPECT_NE(msg.find("corrupt.gguf: "), std::string::npos) << msg;
  EXPECT_NE(msg.find(" at byte "), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  return msg;
}

#define EXPECT_ERROR_HAS(bytes, fragment)                                    \
  do {                                                                       \
    std::string citadel_msg = ExpectError(bytes);                            \
    EXPECT_NE(citadel_msg.find(fragment), std::string::npos) << citadel_msg; \
  } while (0)

TEST(GgufCorruptionTest, SampleFileParses) {
  Bytes bytes = SampleFile();
  ASSERT_TRUE(ParseCopy(bytes, bytes.size()).ok());
}

TEST(GgufCorruptionTest, EveryTruncationBeforeTheLastTensorByteFails) {
  Bytes bytes = SampleFile();
  auto file = GgufFile::Parse(bytes, "sample");
  ASSERT_TRUE(file.ok());
  std::size_t needed = 0;
  for (const TensorInfo& t : file->tensors()) {
    needed = std::max<std::size_t>(needed, t.data.data() + t.data.size() - bytes.data());
  }
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    Result<GgufFile> truncated = ParseCopy(bytes, cut);
    if (cut < needed) {
      ASSERT_FALSE(truncated.ok()) << "cut at " << cut;
      EXPECT_NE(truncated.status().message().find(" at byte "), std::string::npos);
    } else {
      EXPECT_TRUE(truncated.ok()) << "only trailing padding cut at " << cut;
    }
  }
}

TEST(GgufCorruptionTest, FlippedHeaderBytesFail) {
  Bytes bytes = SampleFile();
  for (std::size_t i = 0; i < 24; ++i) {
    Bytes bad = bytes;
    bad[i] ^= 0xFF;
    SCOPED_TRACE("flipped header byte " + std::to_string(i));
    ExpectError(bad);
  }
}

TEST(GgufCorruptionTest, AnySingleByteFlipIsParsedOrRejectedCleanly) {
  Bytes bytes = SampleFile();
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    for (std::uint8_t mask : {0x01, 0x80, 0xFF}) {
      Bytes bad = bytes;
      bad[i] ^= mask;
      Result<GgufFile> file = ParseCopy(bad, bad.size());
      if (!file.ok()) {
        EXPECT_NE(file.status().message().find(" at byte "), std::string::npos)
            << file.status().message();
      }
    }
  }
}

TEST(GgufCorruptionTest, BadMagicAndVersions) {
  Bytes bytes = SampleFile();
  Bytes bad = bytes;
  bad[0] = 'X';
  EXPECT_ERROR_HAS(bad, "not a GGUF file");
  for (std::uint32_t version : {0u, 1u, 4u, 1000u}) {
    bad = bytes;
    Poke<std::uint32_t>(bad, 4, version);
    EXPECT_ERROR_HAS(bad, "version " + std::to_string(version) + " is not supported");
  }
  bad = bytes;
  Poke<std::uint32_t>(bad, 4, 0x03000000);
  EXPECT_ERROR_HAS(bad, "big-endian");
  EXPECT_ERROR_HAS((Bytes{'G', 'G'}), "truncated");
}

TEST(GgufCorruptionTest, AbsurdCounts) {
  Bytes bytes = SampleFile();
  for (std::uint64_t count : {std::uint64_t{1} << 40, std::numeric_limits<std::uint64_t>::max()}) {
    Bytes bad = bytes;
    Poke<std::uint64_t>(bad, 8, count);
    EXPECT_ERROR_HAS(bad, "tensor infos cannot fit");
    bad = bytes;
    Poke<std::uint64_t>(bad, 16, count);
    EXPECT_ERROR_HAS(bad, "metadata entries cannot fit");
  }
  // One more entry than the file holds runs into the tensor infos and fails.
  Bytes bad = bytes;
  Poke<std::uint64_t>(bad, 16, 5);
  ExpectError(bad);
}

TEST(GgufCorruptionTest, AbsurdStringLengths) {
  Bytes bytes = SampleFile();
  std::size_t key_len_at = Locate(bytes, "general.architecture") - 8;
  Bytes bad = bytes;
  Poke<std::uint64_t>(bad, key_len_at, std::numeric_limits<std::uint64_t>::max());
  EXPECT_ERROR_HAS(bad, "string length 18446744073709551615 exceeds");
  EXPECT_ERROR_HAS(bad, "at byte " + std::to_string(key_len_at));

  std::size_t value_len_at = Locate(bytes, "llama") - 8;
  bad = bytes;
  Poke<std::uint64_t>(bad, value_len_at, 1ull << 50);
  EXPECT_ERROR_HAS(bad,
                   "metadata key 'general.architecture' at byte " + std::to_string(value_len_at));

  bad = bytes;
  Poke<std::uint64_t>(bad, key_len_at, 0);
  ExpectError(bad);  // empty key (the old bytes then misparse)
}

TEST(GgufCorruptionTest, BadValueTypesAndArrays) {
  Bytes bytes = SampleFile();
  std::size_t type_at = Locate(bytes, "x.count") + 7;
  Bytes bad = bytes;
  Poke<std::uint32_t>(bad, type_at, 13);
  EXPECT_ERROR_HAS(
      bad, "metadata key 'x.count' at byte " + std::to_string(type_at) + ": unknown value type 13");

  std::size_t array_at = Locate(bytes, "x.list") + 6 + 4;  // element type, then count
  bad = bytes;
  Poke<std::uint32_t>(bad, array_at, 99);
  EXPECT_ERROR_HAS(bad, "unknown array element type 99");
  bad = bytes;
  Poke<std::uint64_t>(bad, array_at + 4, 1ull << 60);
  EXPECT_ERROR_HAS(bad, "array elements cannot fit");
  bad = bytes;
  Poke<std::uint64_t>(bad, array_at + 12, 1000);  // first string's length
  EXPECT_ERROR_HAS(bad, "metadata key 'x.list'");

  std::size_t flag_at = Locate(bytes, "x.flag") + 6 + 4;
  bad = bytes;
  bad[flag_at] = 2;
  EXPECT_ERROR_HAS(bad, "bool value 2 is not 0 or 1");
}

TEST(GgufCorruptionTest, DeeplyNestedArraysAreRefused) {
  // Header, one key "n" whose value nests arrays kMaxArrayNesting + 1 deep.
  Bytes bytes;
  auto put32 = [&](std::uint32_t v) {
    Poke(bytes, (bytes.resize(bytes.size() + 4), bytes.size() - 4), v);
  };
  auto put64 = [&](std::uint64_t v) {
    Poke(bytes, (bytes.resize(bytes.size() + 8), bytes.size() - 8), v);
  };
  put32(0x46554747);
  put32(3);
  put64(0);
  put64(1);
  put64(1);
  bytes.push_back('n');
  put32(static_cast<std::uint32_t>(ValueType::kArray));
  for (int depth = 0; depth <= kMaxArrayNesting; ++depth) {
    put32(static_cast<std::uint32_t>(ValueType::kArray));
    put64(1);
  }
  put32(static_cast<std::uint32_t>(ValueType::kU8));
  put64(0);
  EXPECT_ERROR_HAS(bytes, "nested deeper than");
}

TEST(GgufCorruptionTest, DuplicateKeysAndTensorNames) {
  GgufWriter w;
  w.SetU32("key.a", 1);
  w.SetU32("key.b", 2);
  EXPECT_TRUE(w.AddTensor("t_a", TensorType::kF32, {1}, Bytes(4)).ok());
  EXPECT_TRUE(w.AddTensor("t_b", TensorType::kF32, {1}, Bytes(4)).ok());
  Bytes bytes = Build(w);
  Bytes bad = bytes;
  bad[Locate(bytes, "key.b") + 4] = 'a';
  EXPECT_ERROR_HAS(bad, "metadata key 'key.a' at byte " +
                            std::to_string(Locate(bytes, "key.b") - 8) + ": duplicate key");
  bad = bytes;
  bad[Locate(bytes, "t_b") + 2] = 'a';
  EXPECT_ERROR_HAS(bad, "tensor 't_a'");
  EXPECT_ERROR_HAS(bad, "duplicate tensor name");
}

// Field offsets of tensor "aaaa" in SampleFile(): n_dims, dims, type, offset.
struct TensorFields {
  std::size_t n_dims, dim0, dim1, type, offset;
};
TensorFields FieldsOfA(const Bytes& bytes) {
  std::size_t n_dims = Locate(bytes, "aaaa") + 4;
  return {n_dims, n_dims + 4, n_dims + 12, n_dims + 20, n_dims + 24};
}

TEST(GgufCorruptionTest, AbsurdDims) {
  Bytes bytes = SampleFile();
  TensorFields f = FieldsOfA(bytes);
  Bytes bad = bytes;
  Poke<std::uint32_t>(bad, f.n_dims, 5);
  EXPECT_ERROR_HAS(bad, "tensor 'aaaa' at byte " + std::to_string(f.n_dims) +
                            ": dimension count 5 is not in 1..4");
  bad = bytes;
  Poke<std::uint32_t>(bad, f.n_dims, 0);
  EXPECT_ERROR_HAS(bad, "dimension count 0");
  bad = bytes;
  Poke<std::uint64_t>(bad, f.dim1, 0);
  EXPECT_ERROR_HAS(bad, "dimension 1 has invalid size 0");
  bad = bytes;
  Poke<std::uint64_t>(bad, f.dim0, std::numeric_limits<std::uint64_t>::max());
  EXPECT_ERROR_HAS(bad, "dimension 0 has invalid size");
  bad = bytes;
  Poke<std::uint64_t>(bad, f.dim0, 1ull << 32);
  Poke<std::uint64_t>(bad, f.dim1, 1ull << 32);
  EXPECT_ERROR_HAS(bad, "element count overflows");
  bad = bytes;
  Poke<std::uint64_t>(bad, f.dim0, 33);
  EXPECT_ERROR_HAS(bad, "row length 33 is not a multiple of the q8_0 block size 32");
  bad = bytes;
  Poke<std::uint64_t>(bad, f.dim1, 1ull << 40);  // sizes past the end of the file
  EXPECT_ERROR_HAS(bad, "extends past the end");
}

TEST(GgufCorruptionTest, UnknownTensorTypes) {
  Bytes bytes = SampleFile();
  TensorFields f = FieldsOfA(bytes);
  for (std::uint32_t type : {4u, 5u, 31u, 1000u, 0xFFFFFFFFu}) {
    Bytes bad = bytes;
    Poke<std::uint32_t>(bad, f.type, type);
    EXPECT_ERROR_HAS(bad, "tensor 'aaaa' at byte " + std::to_string(f.type) +
                              ": unknown tensor type " + std::to_string(type));
  }
}

TEST(GgufCorruptionTest, AbsurdOffsets) {
  Bytes bytes = SampleFile();
  TensorFields f = FieldsOfA(bytes);
  Bytes bad = bytes;
  Poke<std::uint64_t>(bad, f.offset, 1);
  EXPECT_ERROR_HAS(bad, "data offset 1 is not a multiple of the alignment 32");
  bad = bytes;
  Poke<std::uint64_t>(bad, f.offset, 1ull << 40);
  EXPECT_ERROR_HAS(bad, "extends past the end of the data section");
  bad = bytes;
  Poke<std::uint64_t>(bad, f.offset, std::numeric_limits<std::uint64_t>::max() - 31);
  EXPECT_ERROR_HAS(bad, "extends past the end of the data section");
  // "bbbb" moved onto "aaaa".
  bad = bytes;
  Poke<std::uint64_t>(bad, Locate(bytes, "bbbb") + 4 + 4 + 8 + 4, 128);
  EXPECT_ERROR_HAS(bad, "overlaps tensor 'aaaa'");
}

TEST(GgufCorruptionTest, BadAlignment) {
  GgufWriter w;
  w.SetAlignment(64);
  EXPECT_TRUE(w.AddTensor("t", TensorType::kF32, {1}, Bytes(4)).ok());
  Bytes bytes = Build(w);
  std::size_t value_at = Locate(bytes, "general.alignment") + 17 + 4;
  Bytes bad = bytes;
  Poke<std::uint32_t>(bad, value_at, 48);
  EXPECT_ERROR_HAS(bad, "metadata key 'general.alignment' at byte " + std::to_string(value_at) +
                            ": alignment 48 is not a power of two");
  bad = bytes;
  Poke<std::uint32_t>(bad, value_at, 0);
  EXPECT_ERROR_HAS(bad, "alignment 0 is not a power of two");
  bad = bytes;
  Poke<std::uint32_t>(bad, value_at - 4, static_cast<std::uint32_t>(ValueType::kI32));
  EXPECT_ERROR_HAS(bad, "must be u32, not i32");
  bad = bytes;
  Poke<std::uint32_t>(bad, value_at, 1u << 31);  // data section start moves past the end
  EXPECT_ERROR_HAS(bad, "past the end of the file");
}

}  // namespace
}  // namespace citadel::gguf
