#include "server/request_log.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

namespace citadel::server {
namespace {

std::string NowIso8601() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const int millis = static_cast<int>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[40];
  std::snprintf(buffer, sizeof(buffer), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, millis);
  return buffer;
}

double Round(double ms) {
  return static_cast<double>(static_cast<long long>(ms * 10 + 0.5)) / 10;
}

}  // namespace

std::string RequestLogLine(const RequestLogRecord& r) {
  nlohmann::ordered_json line = {{"ts", NowIso8601()},
                                 {"level", r.status >= 500 ? "error" : "info"},
                                 {"event", "request"},
                                 {"id", r.id},
                                 {"client", r.client},
                                 {"method", r.method},
                                 {"path", r.path},
                                 {"model", r.model},
                                 {"status", r.status},
                                 {"stream", r.stream},
                                 {"prompt_tokens", r.prompt_tokens},
                                 {"completion_tokens", r.completion_tokens},
                                 {"cached_tokens", r.cached_tokens},
                                 {"finish_reason", r.finish_reason},
                                 {"ttft_ms", Round(r.ttft_ms)},
                                 {"queue_ms", Round(r.queue_ms)},
                                 {"total_ms", Round(r.total_ms)},
                                 {"client_aborted", r.client_aborted}};
  if (r.include_content) {
    line["request_body"] = r.request_body;
    line["answer"] = r.answer;
  }
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string EventLogLine(const std::string& level, const std::string& event,
                         const std::string& message) {
  nlohmann::ordered_json line = {
      {"ts", NowIso8601()}, {"level", level}, {"event", event}, {"message", message}};
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace citadel::server
