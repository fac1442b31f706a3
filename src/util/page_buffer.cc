#include "util/page_buffer.h"

#include <sys/mman.h>

#include <cstdint>
#include <string>
#include <utility>

namespace citadel {
namespace {

constexpr std::size_t kHugePage = std::size_t{2} << 20;

}  // namespace

Result<PageBuffer> PageBuffer::Allocate(std::size_t bytes) {
  if (bytes == 0) return PageBuffer();
  // Map a huge page more than asked, then unmap the unaligned head and the
  // tail beyond `bytes` (rounded to whole pages), keeping an aligned start.
  const std::size_t page = 4096;
  const std::size_t length = (bytes + page - 1) / page * page;
  void* raw =
      mmap(nullptr, length + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) {
    return ResourceExhaustedError("cannot map " + std::to_string(bytes) + " bytes");
  }
  const auto begin = reinterpret_cast<std::uintptr_t>(raw);
  const std::uintptr_t aligned = (begin + kHugePage - 1) / kHugePage * kHugePage;
  if (aligned > begin) munmap(raw, aligned - begin);
  const std::uintptr_t end = begin + length + kHugePage;
  if (end > aligned + length)
    munmap(reinterpret_cast<void*>(aligned + length), end - aligned - length);
  auto* data = reinterpret_cast<std::uint8_t*>(aligned);
  // Advice only: a kernel without THP keeps 4 KB pages and the buffer works.
  madvise(data, length, MADV_HUGEPAGE);
  return PageBuffer(data, length);
}

PageBuffer::PageBuffer(PageBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

PageBuffer& PageBuffer::operator=(PageBuffer&& other) noexcept {
  if (this != &other) {
    Release();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

PageBuffer::~PageBuffer() {
  Release();
}

void PageBuffer::Release() {
  if (data_ != nullptr) munmap(data_, size_);
  data_ = nullptr;
  size_ = 0;
}

}  // namespace citadel
