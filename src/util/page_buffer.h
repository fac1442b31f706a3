// Large zero-filled memory straight from the OS, backed by transparent huge
// pages where the kernel allows (madvise(MADV_HUGEPAGE), which Debian's
// default "madvise" THP mode requires).
//
// Why: kernels that stream hundreds of megabytes of repacked weights touch
// several 4 KB pages at once per panel; with 2 MB pages the page walks
// (one per 4 KB otherwise) leave the memory pipeline. Only the 2 MB-aligned
// extents inside the buffer get huge pages, so no memory is wasted on
// rounding: the tail keeps 4 KB pages.
//
// Thread-compatible: a buffer is written by its owner; concurrent reads are
// fine once the writes are published.
#pragma once

#include <cstddef>
#include <cstdint>

#include "util/status.h"

namespace citadel {

class PageBuffer {
 public:
  // At least `bytes` of zeroes (rounded up to whole 4 KB pages), starting on
  // a 2 MB boundary. ResourceExhausted when the OS refuses; an empty buffer
  // for bytes == 0.
  static Result<PageBuffer> Allocate(std::size_t bytes);

  PageBuffer() = default;
  PageBuffer(PageBuffer&& other) noexcept;
  PageBuffer& operator=(PageBuffer&& other) noexcept;
  PageBuffer(const PageBuffer&) = delete;
  PageBuffer& operator=(const PageBuffer&) = delete;
  ~PageBuffer();

  std::uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  PageBuffer(std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  void Release();

  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace citadel
