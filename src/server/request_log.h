// One structured JSON line per answered request (on stderr):
//   {"ts":"2026-11-25T20:10:00.123Z","level":"info","event":"request","id":"req-1f",
//    "client":"10.1.2.3","method":"POST","path":"/v1/chat/completions","model":"m","status":200,
//    "stream":true,"prompt_tokens":12,"completion_tokens":30,"cached_tokens":0,
//    "finish_reason":"stop","ttft_ms":41.2,"queue_ms":0.3,"total_ms":310.5,
//    "client_aborted":false}
// Prompt and answer text appear only when server.log_content is set.
//
// Pure functions; the caller writes the line (one fwrite, so concurrent
// lines do not interleave).
#pragma once

#include <string>

namespace citadel::server {

struct RequestLogRecord {
  std::string id;
  std::string client;  // the client's address (a trusted proxy's forwarded one)
  std::string method;
  std::string path;
  std::string model;
  int status = 0;
  bool stream = false;
  int prompt_tokens = 0;
  int completion_tokens = 0;
  int cached_tokens = 0;
  std::string finish_reason;
  double ttft_ms = 0;
  double queue_ms = 0;
  double total_ms = 0;
  bool client_aborted = false;
  bool include_content = false;
  std::string request_body;  // only with include_content
  std::string answer;        // only with include_content
};

// The JSON line, newline-terminated.
std::string RequestLogLine(const RequestLogRecord& record);

// A JSON line for a server event ("listening", "draining", ...).
std::string EventLogLine(const std::string& level, const std::string& event,
                         const std::string& message);

}  // namespace citadel::server
