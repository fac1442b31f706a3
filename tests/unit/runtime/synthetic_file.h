// Tiny synthetic GGUF models written to a temporary file for the runtime
// tests (no ../shared needed): the writer is handed to `edit` first, so a test
// can add, change or remove metadata before the file is written.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <string>

#include "gguf/gguf_writer.h"
#include "model/synthetic_model.h"

namespace citadel::runtime {

class SyntheticFile {
 public:
  explicit SyntheticFile(const std::string& stem,
                         const std::function<void(gguf::GgufWriter&)>& edit = {},
                         model::SyntheticSpec spec = DefaultSpec()) {
    path_ =
        (std::filesystem::temp_directory_path() / (stem + "_" + std::to_string(getpid()) + ".gguf"))
            .string();
    auto writer = model::BuildSyntheticModel(spec, nullptr, nullptr);
    EXPECT_TRUE(writer.ok()) << writer.status().ToString();
    if (!writer.ok()) return;
    if (edit) edit(*writer);
    Status written = writer->WriteFile(path_);
    EXPECT_TRUE(written.ok()) << written.ToString();
  }
  ~SyntheticFile() { std::filesystem::remove(path_); }
  SyntheticFile(const SyntheticFile&) = delete;
  SyntheticFile& operator=(const SyntheticFile&) = delete;

  const std::string& path() const { return path_; }

  static model::SyntheticSpec DefaultSpec() {
    model::SyntheticSpec spec;
    spec.context_length = 256;
    return spec;
  }

 private:
  std::string path_;
};

}  // namespace citadel::runtime
