#include "tokenizer/lookup_tables.h"

#include <cstring>

namespace citadel::tokenizer {
namespace {

std::size_t CapacityFor(std::size_t count) {
  std::size_t capacity = 16;
  while (capacity < count * 2) capacity *= 2;
  return capacity;
}

std::uint64_t Mix(std::uint64_t h) {
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCDull;
  h ^= h >> 33;
  h *= 0xC4CEB9FE1A85EC53ull;
  h ^= h >> 33;
  return h;
}

}  // namespace

std::uint64_t HashBytes(std::string_view bytes) {
  const char* p = bytes.data();
  std::size_t n = bytes.size();
  std::uint64_t h = 0x9E3779B97F4A7C15ull ^ (n * 0x100000001B3ull);
  while (n >= 8) {
    std::uint64_t word;
    std::memcpy(&word, p, 8);
    h = (h ^ word) * 0xBF58476D1CE4E5B9ull;
    h ^= h >> 31;
    p += 8;
    n -= 8;
  }
  std::uint64_t tail = 0;
  if (n > 0) std::memcpy(&tail, p, n);
  return Mix(h ^ tail);
}

void StringIdTable::Build(const std::vector<std::string>* strings) {
  strings_ = strings;
  slots_.assign(CapacityFor(strings->size()), Slot{0, -1});
  mask_ = slots_.size() - 1;
  count_ = 0;
  for (std::size_t id = 0; id < strings->size(); ++id) {
    const std::string& key = (*strings)[id];
    const std::uint64_t hash = HashBytes(key);
    const auto tag = static_cast<std::uint32_t>(hash >> 32);
    for (std::size_t i = hash & mask_;; i = (i + 1) & mask_) {
      Slot& slot = slots_[i];
      if (slot.id < 0) {
        slot = Slot{tag, static_cast<std::int32_t>(id)};
        ++count_;
        break;
      }
      if (slot.tag == tag && (*strings)[slot.id] == key) {
        slot.id = static_cast<std::int32_t>(id);  // a later duplicate wins
        break;
      }
    }
  }
}

std::int32_t StringIdTable::Find(std::string_view key) const {
  if (slots_.empty()) return -1;
  const std::uint64_t hash = HashBytes(key);
  const auto tag = static_cast<std::uint32_t>(hash >> 32);
  for (std::size_t i = hash & mask_;; i = (i + 1) & mask_) {
    const Slot& slot = slots_[i];
    if (slot.id < 0) return -1;
    if (slot.tag == tag && (*strings_)[slot.id] == key) return slot.id;
  }
}

void MergeTable::Reserve(std::size_t expected) {
  slots_.assign(CapacityFor(expected), Slot{kEmpty, MergeInfo{0, 0}});
  mask_ = slots_.size() - 1;
  count_ = 0;
}

void MergeTable::Insert(std::int32_t left, std::int32_t right, MergeInfo merge) {
  if ((count_ + 1) * 2 > slots_.size()) {
    std::vector<Slot> old = std::move(slots_);
    Reserve(count_ * 2 + 16);
    for (const Slot& slot : old) {
      if (slot.key != kEmpty) {
        Insert(static_cast<std::int32_t>(slot.key >> 32),
               static_cast<std::int32_t>(slot.key & 0xFFFFFFFFu), slot.merge);
      }
    }
  }
  const std::uint64_t key = Key(left, right);
  for (std::size_t i = Mix(key) & mask_;; i = (i + 1) & mask_) {
    Slot& slot = slots_[i];
    if (slot.key == key) return;  // the first (lowest-rank) merge of a pair wins
    if (slot.key == kEmpty) {
      slot = Slot{key, merge};
      ++count_;
      return;
    }
  }
}

const MergeInfo* MergeTable::Find(std::int32_t left, std::int32_t right) const {
  if (slots_.empty()) return nullptr;
  const std::uint64_t key = Key(left, right);
  for (std::size_t i = Mix(key) & mask_;; i = (i + 1) & mask_) {
    const Slot& slot = slots_[i];
    if (slot.key == key) return &slot.merge;
    if (slot.key == kEmpty) return nullptr;
  }
}

}  // namespace citadel::tokenizer
