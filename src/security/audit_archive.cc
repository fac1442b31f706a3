#include "security/audit_archive.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "security/api_key.h"
#include "security/audit_record.h"

namespace citadel::security {
namespace {

constexpr std::string_view kHeader = "citadel-audit-archive 1\n";
constexpr size_t kMaxArchiveBytes = size_t{4} << 30;

// Reads "<a> <b> ...\n" fields off the front of `text`.
class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}
  bool empty() const { return text_.empty(); }
  Result<std::string_view> Line() {
    const size_t newline = text_.find('\n');
    if (newline == std::string_view::npos) return Bad("a line without its newline");
    const std::string_view line = text_.substr(0, newline);
    text_.remove_prefix(newline + 1);
    return line;
  }
  Result<std::string_view> Bytes(std::int64_t count) {
    if (count < 0 || static_cast<std::uint64_t>(count) > text_.size()) {
      return Bad("a length past the end");
    }
    const std::string_view bytes = text_.substr(0, static_cast<size_t>(count));
    text_.remove_prefix(static_cast<size_t>(count));
    return bytes;
  }
  static Status Bad(std::string_view what) {
    return InvalidArgumentError("audit archive: " + std::string(what));
  }

 private:
  std::string_view text_;
};

std::vector<std::string_view> Words(std::string_view line) {
  std::vector<std::string_view> words;
  for (size_t at = 0; at <= line.size();) {
    const size_t space = std::min(line.find(' ', at), line.size());
    words.push_back(line.substr(at, space - at));
    at = space + 1;
  }
  return words;
}

Result<std::int64_t> Number(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || std::to_string(value) != text) {
    return Cursor::Bad("a bad number");
  }
  return value;
}

store::AuditRow RowFromBody(std::int64_t seq, std::string_view body) {
  store::AuditRow row;
  row.seq = seq;
  row.body = std::string(body);
  if (auto record = ParseAuditRecord(body); record.ok()) {
    row.time_ms = record->time_ms;
    row.kind = std::string(AuditKindName(record->kind));
    row.user_name = record->user;
    row.key_id = record->key_id;
  }
  return row;
}

Status WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t wrote = write(fd, bytes.data(), bytes.size());
    if (wrote <= 0) return UnavailableError("write failed");
    bytes.remove_prefix(static_cast<size_t>(wrote));
  }
  return OkStatus();
}

// Writes `bytes` to `path` and fsyncs it.
Status WriteSynced(const std::string& path, std::string_view bytes) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return UnavailableError("cannot create " + path);
  Status status = WriteAll(fd, bytes);
  if (status.ok() && fsync(fd) != 0) status = UnavailableError("fsync failed");
  close(fd);
  return status.ok() ? status : status.WithContext(path);
}

Result<std::string> Gzip(std::string_view text) {
  z_stream stream{};
  if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    return InternalError("zlib deflateInit2 failed");
  }
  std::string out(deflateBound(&stream, text.size()), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  stream.avail_in = static_cast<uInt>(text.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  if (rc != Z_STREAM_END) return InternalError("zlib deflate failed");
  return out;
}

Result<std::string> Gunzip(std::string_view data, const std::string& path) {
  z_stream stream{};
  if (inflateInit2(&stream, 15 + 16) != Z_OK) return InternalError("zlib inflateInit2 failed");
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  std::string out;
  int rc = Z_OK;
  while (rc == Z_OK) {
    char chunk[1 << 16];
    stream.next_out = reinterpret_cast<Bytef*>(chunk);
    stream.avail_out = sizeof chunk;
    rc = inflate(&stream, Z_NO_FLUSH);
    out.append(chunk, sizeof chunk - stream.avail_out);
    if (out.size() > kMaxArchiveBytes) rc = Z_MEM_ERROR;
  }
  inflateEnd(&stream);
  if (rc != Z_STREAM_END) return DataLossError("audit archive " + path + " does not decompress");
  return out;
}

Result<std::string> ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::string ArchiveText(const AuditArchiveContent& content) {
  std::string out(kHeader);
  for (const store::AuditRow& row : content.records) {
    out += "record " + std::to_string(row.seq) + " " + std::to_string(row.body.size()) + "\n";
    out += row.body;
  }
  for (const store::AuditCheckpointRow& row : content.checkpoints) {
    out += "checkpoint " + std::to_string(row.seq) + " " + std::to_string(row.body.size()) + " " +
           row.signature + "\n";
    out += row.body;
  }
  out += "end " + std::to_string(content.records.size()) + " " +
         std::to_string(content.checkpoints.size()) + "\n";
  return out;
}

Result<AuditArchiveContent> ParseArchiveText(std::string_view text) {
  if (!text.starts_with(kHeader)) return Cursor::Bad("no 'citadel-audit-archive 1' header");
  Cursor cursor(text.substr(kHeader.size()));
  AuditArchiveContent content;
  for (;;) {
    CITADEL_ASSIGN_OR_RETURN(const std::string_view line, cursor.Line());
    const std::vector<std::string_view> words = Words(line);
    if (words[0] == "end" && words.size() == 3) {
      CITADEL_ASSIGN_OR_RETURN(const std::int64_t records, Number(words[1]));
      CITADEL_ASSIGN_OR_RETURN(const std::int64_t checkpoints, Number(words[2]));
      if (records != static_cast<std::int64_t>(content.records.size()) ||
          checkpoints != static_cast<std::int64_t>(content.checkpoints.size()) || !cursor.empty()) {
        return Cursor::Bad("the end line does not match its content");
      }
      return content;
    }
    const bool record = words[0] == "record" && words.size() == 3;
    const bool checkpoint = words[0] == "checkpoint" && words.size() == 4;
    if (!record && !checkpoint) return Cursor::Bad("an unknown line");
    if (record && !content.checkpoints.empty()) return Cursor::Bad("a record after a checkpoint");
    CITADEL_ASSIGN_OR_RETURN(const std::int64_t seq, Number(words[1]));
    CITADEL_ASSIGN_OR_RETURN(const std::int64_t size, Number(words[2]));
    CITADEL_ASSIGN_OR_RETURN(const std::string_view body, cursor.Bytes(size));
    if (record) {
      content.records.push_back(RowFromBody(seq, body));
    } else {
      content.checkpoints.push_back({0, seq, 0, std::string(body), std::string(words[3])});
    }
  }
}

Status WriteAuditArchive(const std::string& path, const AuditArchiveContent& content) {
  CITADEL_ASSIGN_OR_RETURN(const std::string compressed, Gzip(ArchiveText(content)));
  CITADEL_TRY(WriteSynced(path, compressed));
  const std::string name = std::filesystem::path(path).filename().string();
  CITADEL_TRY(WriteSynced(path + ".sha256", HexEncode(Sha256(compressed)) + "  " + name + "\n"));
  const std::string folder = std::filesystem::path(path).parent_path().string();
  const int fd = open(folder.empty() ? "." : folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return UnavailableError("cannot open the archive folder " + folder);
  const int synced = fsync(fd);
  close(fd);
  return synced == 0 ? OkStatus() : UnavailableError("fsync of " + folder + " failed");
}

Result<AuditVerdict> VerifyAuditArchive(const std::string& path, const AuditSigner* signer) {
  CITADEL_ASSIGN_OR_RETURN(const std::string compressed, ReadWhole(path));
  auto sums = ReadWhole(path + ".sha256");
  if (!sums.ok()) return DataLossError("audit archive " + path + " has no .sha256 file");
  if (sums->substr(0, 64) != HexEncode(Sha256(compressed))) {
    return DataLossError("audit archive " + path + " does not match its SHA-256 checksum");
  }
  CITADEL_ASSIGN_OR_RETURN(const std::string text, Gunzip(compressed, path));
  auto content = ParseArchiveText(text);
  if (!content.ok()) return DataLossError(content.status().message() + " (" + path + ")");
  AuditVerifyOptions options;
  options.signer = signer;
  return VerifyAuditRows(std::move(content->records), std::move(content->checkpoints), options);
}

}  // namespace citadel::security
