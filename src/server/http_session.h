// HttpSession: one client connection (keep-alive, one request at a time).
// Internal to http_server.cc; see http_server.h for the limits it enforces.
//
//   read request (header/body limits, read or idle timeout)
//     -> Route() -> finished response  -> write -> next request or close
//                -> GenerationJob      -> SSE frames / JSON body as events
//                                         arrive; a read watches for the
//                                         client going away meanwhile
//
// Over TLS (Stream = beast::ssl_stream<beast::tcp_stream>) the session first
// runs the handshake under server.read_timeout_s; everything after it is the
// same code on the encrypted stream. The session holds the TLS context it
// was accepted with, so a certificate reload never touches it.
//
// Thread contract: every member runs on the connection's strand; the job's
// notify callback (engine thread) only posts to it.
#pragma once

#include <array>
#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <unordered_map>

#include "server/allowlist_stage.h"
#include "server/http_server.h"
#include "server/request_log.h"
#include "server/router.h"

namespace citadel::server {

// What the tracker needs of a session of either stream type.
class Session {
 public:
  virtual ~Session() = default;
  // Closes the connection if it is waiting for a request (drain).
  virtual void CloseIfIdle() = 0;
};

// The open sessions, for the drain; and request ids. Thread-safe.
class SessionTracker {
 public:
  void Add(const std::shared_ptr<Session>& session);
  void Remove(Session* session);
  // Asks every session to close once it is idle.
  void CloseIdle();
  std::string NextRequestId();

 private:
  std::mutex mu_;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions_;  // guarded by mu_
  std::atomic<std::uint64_t> next_id_{1};
};

// How a connection starts: served, or answered once and closed.
enum class SessionStart { kServe, kTooMany, kForbidden };

using PlainStream = boost::beast::tcp_stream;
using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

// Defined (and instantiated for PlainStream and TlsStream) in http_session.cc.
template <class Stream>
class HttpSession : public Session, public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  // `tls_context` (TlsStream only) is the context `stream` was made with.
  HttpSession(Stream stream, std::shared_ptr<boost::asio::ssl::context> tls_context,
              const security::IpAddress& peer, ServerState& state, const HttpServerOptions& options,
              SessionTracker& tracker, const AllowlistStage& allowlist, SessionStart start);
  ~HttpSession() override;

  void Start();
  void CloseIfIdle() override;

 private:
  using Clock = std::chrono::steady_clock;
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  boost::beast::tcp_stream& Tcp() { return boost::beast::get_lowest_layer(stream_); }
  void OnHandshake(boost::beast::error_code ec);
  void Begin();

  void DoRead();
  void OnRead(boost::beast::error_code ec);
  void Dispatch();
  void Preflight(std::string_view request_headers);
  void SendResponse(const HttpResponse& response);
  void StartJob(std::unique_ptr<GenerationJob> job);
  void Pump();
  void StartWatch();
  void OnWatch(boost::beast::error_code ec, std::size_t bytes);
  void Queue(std::string bytes);
  void WriteNext();
  void OnWrite(boost::beast::error_code ec);
  void AfterResponse();
  void ClientGone();
  void LingerClose();
  void LingerRead();
  void Close();
  void Log();
  // Hands this request's audit record over once; false when it could not be
  // taken and audit.on_failure = block.
  bool Audit(int status, std::string reason);

  Stream stream_;
  std::shared_ptr<boost::asio::ssl::context> tls_context_;  // keeps the SSL_CTX of a TLS stream
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  ServerState& state_;
  const HttpServerOptions& options_;
  SessionTracker& tracker_;
  boost::asio::steady_timer deadline_;
  const security::IpAddress peer_;
  const AllowlistStage& allowlist_;
  const SessionStart start_;

  std::deque<std::string> outbox_;
  bool writing_ = false;
  bool response_complete_ = false;  // last bytes of the response are queued
  bool keep_alive_ = false;
  bool idle_ = false;         // waiting for the next request
  bool watching_ = false;     // a read is watching for disconnects during a job
  bool resume_read_ = false;  // start the next request read when the watch ends
  bool closed_ = false;
  bool lingering_ = false;
  std::array<char, 4096> scratch_;
  bool first_request_ = true;
  bool counted_in_flight_ = false;
  std::unique_ptr<GenerationJob> job_;
  std::shared_ptr<std::atomic<bool>> pump_posted_ = std::make_shared<std::atomic<bool>>(false);

  HttpRequest request_;
  std::string cors_lines_;  // CORS header lines of the current answer
  std::vector<std::pair<std::string, std::string>> job_headers_;  // x-ratelimit-* of a job
  RequestLogRecord log_;
  Clock::time_point started_;
  bool audited_ = false;      // this request's audit record is handed over
  std::string audit_answer_;  // the completion text, when audit.capture keeps it
};

}  // namespace citadel::server
