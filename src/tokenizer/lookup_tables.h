// Flat open-addressing hash tables for the tokenizer's hot lookups:
// vocabulary string -> token id, and BPE symbol pair -> merge. One
// allocation each, linear probing, sized at build time (load <= 1/2).
//
// Built once, then immutable: concurrent Find calls are thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace citadel::tokenizer {

// 64-bit hash of a byte string (fast for the short strings tokens are).
std::uint64_t HashBytes(std::string_view bytes);

// Maps each string of a borrowed vector to its index; when a string occurs
// more than once the last index wins. The vector must outlive the table and
// must not change after Build.
class StringIdTable {
 public:
  void Build(const std::vector<std::string>* strings);
  // The index of `key`, or -1.
  std::int32_t Find(std::string_view key) const;
  std::size_t size() const { return count_; }

 private:
  struct Slot {
    std::uint32_t tag;  // high half of the hash
    std::int32_t id;    // -1: empty
  };
  const std::vector<std::string>* strings_ = nullptr;
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  std::size_t count_ = 0;
};

// A BPE merge: the pair (left, right) of symbols becomes `result` at priority `rank`.
struct MergeInfo {
  std::int32_t rank;
  std::int32_t result;  // symbol id of left+right
};

// (left symbol, right symbol) -> MergeInfo; the first insertion of a pair wins.
class MergeTable {
 public:
  explicit MergeTable(std::size_t expected = 0) { Reserve(expected); }
  void Reserve(std::size_t expected);
  void Insert(std::int32_t left, std::int32_t right, MergeInfo merge);
  // nullptr when the pair has no merge.
  const MergeInfo* Find(std::int32_t left, std::int32_t right) const;
  std::size_t size() const { return count_; }

 private:
  struct Slot {
    std::uint64_t key;  // kEmpty when unused
    MergeInfo merge;
  };
  static constexpr std::uint64_t kEmpty = ~std::uint64_t{0};
  static std::uint64_t Key(std::int32_t left, std::int32_t right) {
    return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(left)) << 32) |
           static_cast<std::uint32_t>(right);
  }
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  std::size_t count_ = 0;
};

}  // namespace citadel::tokenizer
