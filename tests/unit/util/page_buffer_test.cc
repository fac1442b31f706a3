#include "util/page_buffer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <utility>

namespace citadel {
namespace {

TEST(PageBufferTest, GivesZeroedHugePageAlignedMemoryOfAtLeastTheSize) {
  for (std::size_t bytes : {std::size_t{1}, std::size_t{4097}, std::size_t{5} << 20}) {
    Result<PageBuffer> buffer = PageBuffer::Allocate(bytes);
    ASSERT_TRUE(buffer.ok()) << buffer.status().ToString();
    ASSERT_GE(buffer->size(), bytes);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(buffer->data()) % (std::uintptr_t{2} << 20), 0u);
    for (std::size_t i = 0; i < bytes; i += 997) ASSERT_EQ(buffer->data()[i], 0) << i;
    buffer->data()[bytes - 1] = 7;  // writable to the last byte asked for
    EXPECT_EQ(buffer->data()[bytes - 1], 7);
  }
}

TEST(PageBufferTest, EmptyForZeroBytes) {
  Result<PageBuffer> buffer = PageBuffer::Allocate(0);
  ASSERT_TRUE(buffer.ok());
  EXPECT_EQ(buffer->data(), nullptr);
  EXPECT_EQ(buffer->size(), 0u);
}

TEST(PageBufferTest, MovingTransfersOwnership) {
  Result<PageBuffer> buffer = PageBuffer::Allocate(8192);
  ASSERT_TRUE(buffer.ok());
  std::uint8_t* data = buffer->data();
  data[100] = 42;
  PageBuffer moved = std::move(*buffer);
  EXPECT_EQ(moved.data(), data);
  EXPECT_EQ(moved.data()[100], 42);
  EXPECT_EQ(buffer->data(), nullptr);
  PageBuffer assigned;
  assigned = std::move(moved);
  EXPECT_EQ(assigned.data(), data);
  EXPECT_EQ(moved.size(), 0u);
}

TEST(PageBufferTest, ImpossibleSizeIsAnErrorNotACrash) {
  Result<PageBuffer> buffer = PageBuffer::Allocate(std::size_t{1} << 62);
  ASSERT_FALSE(buffer.ok());
  EXPECT_EQ(buffer.status().code(), StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace citadel
