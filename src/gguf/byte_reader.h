// Little-endian reads from a byte span with explicit bounds: every read says
// whether the bytes were there, and nothing is read past the end.
//
// Internal to gguf/. Thread-compatible (a cursor).
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

namespace citadel::gguf {

static_assert(std::endian::native == std::endian::little,
              "GGUF values are little-endian; Citadel reads them in place on little-endian hosts");

// Reads a little-endian T at `p` (no bounds check: callers have one).
template <typename T>
T LoadLe(const std::uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

class ByteReader {
 public:
  explicit ByteReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  std::uint64_t position() const { return pos_; }
  std::uint64_t remaining() const { return bytes_.size() - pos_; }
  std::uint64_t size() const { return bytes_.size(); }

  // Each Read returns false (and leaves the position unchanged) when fewer
  // than the needed bytes remain.
  template <typename T>
  bool Read(T* out) {
    if (remaining() < sizeof(T)) return false;
    *out = LoadLe<T>(bytes_.data() + pos_);
    pos_ += sizeof(T);
    return true;
  }

  // Views `n` bytes and advances past them.
  bool Take(std::uint64_t n, std::span<const std::uint8_t>* out) {
    if (remaining() < n) return false;
    *out = bytes_.subspan(pos_, n);
    pos_ += n;
    return true;
  }

  bool Skip(std::uint64_t n) {
    if (remaining() < n) return false;
    pos_ += n;
    return true;
  }

  // The bytes in [from, position()).
  std::span<const std::uint8_t> Since(std::uint64_t from) const {
    return bytes_.subspan(from, pos_ - from);
  }

 private:
  std::span<const std::uint8_t> bytes_;
  std::uint64_t pos_ = 0;
};

}  // namespace citadel::gguf
