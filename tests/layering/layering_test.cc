// Keeps the layer picture of STYLE.md true: a module includes only headers of
// the modules it may use. Reads every source file under src/.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>

namespace {

namespace fs = std::filesystem;

// module -> modules whose headers it may include (besides its own): the
// table in ../shared/STYLE.md, exactly. Notably engine/ does not include
// kernels/ (it names model/'s re-exports), server/ reaches the model stack
// only through runtime/, and runtime/ sits between security/ and server/.
const std::map<std::string, std::set<std::string>>& AllowedIncludes() {
  static const std::map<std::string, std::set<std::string>> kAllowed = {
      {"util", {}},
      {"gguf", {"util"}},
      {"kernels", {"util", "gguf"}},
      {"tokenizer", {"util", "gguf"}},
      {"template", {"util", "tokenizer"}},
      {"model", {"util", "gguf", "kernels"}},
      {"engine", {"util", "model", "tokenizer"}},
      {"store", {"util"}},
      {"security", {"util", "store"}},
      {"runtime",
       {"util", "gguf", "model", "tokenizer", "template", "engine", "store", "security"}},
      {"server", {"util", "runtime", "engine", "store", "security"}},
      {"cli",
       {"util", "gguf", "kernels", "tokenizer", "template", "model", "engine", "store", "security",
        "runtime", "server"}},
  };
  return kAllowed;
}

TEST(LayeringTest, ModulesIncludeOnlyLowerLayers) {
  const fs::path src = fs::path(CITADEL_SOURCE_DIR) / "src";
  const std::regex include_re(R"re(^\s*#\s*include\s*"([a-z_]+)/)re");
  int files_checked = 0;
  for (const auto& entry : fs::recursive_directory_iterator(src)) {
    if (!entry.is_regular_file()) continue;
    const std::string ext = entry.path().extension().string();
    if (ext != ".h" && ext != ".cc") continue;
    const std::string module = fs::relative(entry.path(), src).begin()->string();
    auto allowed = AllowedIncludes().find(module);
    ASSERT_NE(allowed, AllowedIncludes().end()) << "unknown module folder src/" << module;
    std::ifstream in(entry.path());
    std::string line;
    int line_no = 0;
    while (std::getline(in, line)) {
      ++line_no;
      std::smatch m;
      if (!std::regex_search(line, m, include_re)) continue;
      const std::string target = m[1];
      if (target == module || !AllowedIncludes().contains(target)) continue;
      EXPECT_TRUE(allowed->second.contains(target))
          << entry.path() << ":" << line_no << ": module '" << module << "' may not include from '"
          << target << "'";
    }
    ++files_checked;
  }
  EXPECT_GT(files_checked, 0);
}

}  // namespace
