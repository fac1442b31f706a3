// `citadel tokenize -m MODEL [--no-special] [--parse-special] [--json] [--pieces]
//  (TEXT | --file F)`: prints the token ids of a text, one line separated by
// spaces (--json: a JSON array; --pieces: one "id<TAB>piece" line per token).
// BOS/EOS are added as the model's metadata says unless --no-special;
// special-token text such as "<|im_start|>" is recognised only with
// --parse-special.
#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "cli/command.h"
#include "gguf/gguf_file.h"
#include "tokenizer/tokenizer.h"

namespace citadel::cli {
namespace {

struct TokenizeOptions {
  std::string model_path;
  std::string text;
  std::string file;
  bool no_special = false;
  bool parse_special = false;
  bool json = false;
  bool pieces = false;
  bool have_text = false;  // TEXT was given (it may be empty)
};

Result<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError("cannot open text file '" + path + "'");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return DataLossError("cannot read text file '" + path + "'");
  return buffer.str();
}

// JSON needs valid UTF-8: invalid bytes of a partial piece become U+FFFD.
std::string ForJson(const std::string& piece) {
  return nlohmann::json(piece).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void PrintIds(const tokenizer::Tokenizer& tok, const std::vector<tokenizer::TokenId>& ids,
              const TokenizeOptions& options) {
  if (options.pieces) {
    for (const tokenizer::TokenId id : ids) {
      const std::string piece = ForJson(tok.TokenPiece(id));
      std::printf("%d\t%s\n", id, piece.c_str());
    }
    return;
  }
  std::string line = options.json ? "[" : "";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) line += options.json ? ", " : " ";
    line += std::to_string(ids[i]);
  }
  if (options.json) line += "]";
  std::printf("%s\n", line.c_str());
}

Status RunTokenize(const TokenizeOptions& options) {
  if (!options.file.empty() && options.have_text) {
    return InvalidArgumentError("give either TEXT or --file, not both");
  }
  if (options.file.empty() && !options.have_text) {
    return InvalidArgumentError("nothing to tokenize: give TEXT or --file F");
  }
  std::string text = options.text;
  if (!options.file.empty()) {
    CITADEL_ASSIGN_OR_RETURN(text, ReadWholeFile(options.file));
  }
  CITADEL_ASSIGN_OR_RETURN(gguf::GgufFile file, gguf::GgufFile::Open(options.model_path));
  CITADEL_ASSIGN_OR_RETURN(std::unique_ptr<tokenizer::Tokenizer> tok,
                           tokenizer::Tokenizer::FromGguf(file));
  const auto ids = tok->Encode(text, !options.no_special, options.parse_special);
  PrintIds(*tok, ids, options);
  return OkStatus();
}

}  // namespace

void RegisterTokenizeCommand(CLI::App& app, CommandResult& result) {
  auto options = std::make_shared<TokenizeOptions>();
  CLI::App* cmd = app.add_subcommand("tokenize", "Print the token ids of a text");
  cmd->add_option("-m,--model", options->model_path, "Path to a .gguf file")->required();
  CLI::Option* text = cmd->add_option("text", options->text, "Text to tokenize");
  cmd->add_option("-f,--file", options->file, "Read the text from this file (bytes as they are)");
  cmd->add_flag("--no-special", options->no_special, "Do not add BOS/EOS");
  cmd->add_flag("--parse-special", options->parse_special,
                "Recognise special-token text such as <|im_start|>");
  cmd->add_flag("--json", options->json, "Print a JSON array of ids");
  cmd->add_flag("--pieces", options->pieces, "Print one 'id<TAB>piece' line per token");
  cmd->callback([options, text, &result] {
    options->have_text = text->count() > 0;
    result.status = RunTokenize(*options);
  });
}

}  // namespace citadel::cli
