#include "server/http_session.h"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <cstdio>

#include "server/audit_stage.h"
#include "server/parse_stage.h"
#include "server/security_headers.h"

namespace citadel::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;

namespace {

const char* Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 413:
      return "Payload Too Large";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Unknown";
  }
}

std::string StatusLine(int status) {
  return "HTTP/1.1 " + std::to_string(status) + " " + Reason(status) + "\r\n";
}

std::string Chunk(const std::string& data) {
  char size[20];
  std::snprintf(size, sizeof(size), "%zx\r\n", data.size());
  return size + data + "\r\n";
}

}  // namespace

// --- SessionTracker ---------------------------------------------------------

void SessionTracker::Add(const std::shared_ptr<Session>& session) {
  std::lock_guard lock(mu_);
  sessions_[session.get()] = session;
}

void SessionTracker::Remove(Session* session) {
  std::lock_guard lock(mu_);
  sessions_.erase(session);
}

void SessionTracker::CloseIdle() {
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard lock(mu_);
    for (auto& [ptr, weak] : sessions_) {
      if (auto session = weak.lock()) live.push_back(std::move(session));
    }
  }
  for (auto& session : live) session->CloseIfIdle();
}

std::string SessionTracker::NextRequestId() {
  char id[32];
  std::snprintf(id, sizeof(id), "req-%llx", static_cast<unsigned long long>(next_id_.fetch_add(1)));
  return id;
}

// --- HttpSession ------------------------------------------------------------

template <class Stream>
HttpSession<Stream>::HttpSession(Stream stream, std::shared_ptr<net::ssl::context> tls_context,
                                 const security::IpAddress& peer, ServerState& state,
                                 const HttpServerOptions& options, SessionTracker& tracker,
                                 const AllowlistStage& allowlist, SessionStart start)
    : stream_(std::move(stream)),
      tls_context_(std::move(tls_context)),
      state_(state),
      options_(options),
      tracker_(tracker),
      deadline_(stream_.get_executor()),
      peer_(peer),
      allowlist_(allowlist),
      start_(start) {
  state_.open_connections.fetch_add(1);
}

template <class Stream>
HttpSession<Stream>::~HttpSession() {
  job_.reset();  // cancels unfinished engine requests
  if (counted_in_flight_) state_.in_flight.fetch_sub(1);
  state_.open_connections.fetch_sub(1);
  tracker_.Remove(this);
}

template <class Stream>
void HttpSession<Stream>::Start() {
  tracker_.Add(this->shared_from_this());
  net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
    if constexpr (kTls) {
      self->Tcp().expires_after(std::chrono::seconds(self->options_.read_timeout_s));
      self->stream_.async_handshake(net::ssl::stream_base::server,
                                    [self](beast::error_code ec) { self->OnHandshake(ec); });
    } else {
      self->Begin();
    }
  });
}

// A failed handshake (wrong version, no or bad client certificate, not TLS
// at all) has already told the client why in its alert; we just close.
template <class Stream>
void HttpSession<Stream>::OnHandshake(beast::error_code ec) {
  if (ec) return Close();
  Begin();
}

template <class Stream>
void HttpSession<Stream>::Begin() {
  if (start_ != SessionStart::kServe) {
    keep_alive_ = false;
    log_.id = tracker_.NextRequestId();
    SendResponse(ErrorResponse(
        start_ == SessionStart::kForbidden
            ? AddressNotAllowed()
            : Unavailable("Too many open connections; retry later", "too_many_connections")));
    return;
  }
  DoRead();
}

template <class Stream>
void HttpSession<Stream>::CloseIfIdle() {
  net::post(stream_.get_executor(), [self = this->shared_from_this()] {
    if (self->idle_) self->Close();
  });
}

template <class Stream>
void HttpSession<Stream>::DoRead() {
  if (closed_) return;
  idle_ = true;
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(options_.max_header_bytes));
  parser_->body_limit(static_cast<std::uint64_t>(options_.max_body_bytes));
  Tcp().expires_after(
      std::chrono::seconds(first_request_ ? options_.read_timeout_s : options_.idle_timeout_s));
  http::async_read(
      stream_, buffer_, *parser_,
      [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->OnRead(ec); });
}

template <class Stream>
void HttpSession<Stream>::OnRead(beast::error_code ec) {
  idle_ = false;
  if (closed_) return;
  if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
      ec == net::error::connection_reset || ec == net::error::operation_aborted ||
      ec == net::error::eof || ec == net::ssl::error::stream_truncated) {
    return Close();
  }
  started_ = Clock::now();
  log_ = RequestLogRecord{};
  audited_ = false;
  audit_answer_.clear();
  log_.id = tracker_.NextRequestId();
  log_.include_content = state_.options.log_content;
  keep_alive_ = false;
  cors_lines_.clear();
  if (ec == http::error::body_limit) {
    state_.in_flight.fetch_add(1);
    counted_in_flight_ = true;
    return SendResponse(ErrorResponse(PayloadTooLarge(options_.max_body_bytes)));
  }
  if (ec == http::error::header_limit) {
    state_.in_flight.fetch_add(1);
    counted_in_flight_ = true;
    return SendResponse(ErrorResponse(HeadersTooLarge(options_.max_header_bytes)));
  }
  state_.in_flight.fetch_add(1);
  counted_in_flight_ = true;
  if (ec) {
    // A malformed request line or header: answer and close.
    return SendResponse(ErrorResponse(
        BadRequest("Malformed HTTP request: " + ec.message(), "", "bad_http_request")));
  }
  first_request_ = false;
  Dispatch();
}

template <class Stream>
void HttpSession<Stream>::Dispatch() {
  http::request<http::string_body> message = parser_->release();
  keep_alive_ = message.keep_alive() && !state_.draining.load();
  request_ = ParseRequestHead(message);
  request_.request_id = log_.id;
  cors_lines_ = options_.cors.ResponseLines(request_.origin);
  log_.method = request_.method;
  log_.path = request_.target.substr(0, request_.target.find('?'));
  const AllowlistStage::Client client = allowlist_.AfterHeaders(peer_, request_.forwarded_for);
  request_.client_address = client.address.ToString();
  log_.client = request_.client_address;
  if (client.admission == Admission::kClose) {
    (void)Audit(0, "network_policy_closed");
    return Close();
  }
  if (client.admission == Admission::kForbidden) {
    keep_alive_ = false;
    return SendResponse(ErrorResponse(AddressNotAllowed()));
  }
  if (auto refused = AuditGate(state_)) {
    keep_alive_ = false;
    return SendResponse(ErrorResponse(*refused));
  }
  if (request_.method == "OPTIONS" && !request_.origin.empty() &&
      message.count(http::field::access_control_request_method) > 0) {
    return Preflight(std::string(message[http::field::access_control_request_headers]));
  }
  if (log_.include_content) {  // personal data never reaches the log
    log_.request_body =
        state_.policy ? state_.policy->RedactForLog(request_.body) : request_.body;
  }
  RouteResult result = Route(state_, request_);
  log_.model = result.model;
  job_headers_ = std::move(result.job_headers);
  if (result.job) return StartJob(std::move(result.job));
  SendResponse(result.response);
}

// A CORS preflight: 204 with the allowed methods and headers for a listed
// origin, 403 for any other (the browser then refuses the real request).
template <class Stream>
void HttpSession<Stream>::Preflight(std::string_view request_headers) {
  if (!options_.cors.Allows(request_.origin)) {
    return SendResponse(
        ErrorResponse({403, "Origin " + request_.origin + " is not in server.cors_origins",
                       "permission_error", "", "origin_not_allowed"}));
  }
  cors_lines_ = options_.cors.PreflightLines(request_.origin, request_headers);
  SendResponse(HttpResponse{204, "text/plain", "", {}});
}

template <class Stream>
void HttpSession<Stream>::SendResponse(const HttpResponse& response) {
  if (!Audit(response.status, ErrorCodeOf(response))) {
    // Not audited: answer 503 instead of serving (audit.on_failure = block).
    return SendResponse(ErrorResponse(Unavailable(
        "The audit trail cannot be written; the request was not served", "audit_unavailable")));
  }
  log_.status = response.status;
  std::string bytes = StatusLine(response.status);
  bytes += "Content-Type: " + response.content_type + "\r\n";
  bytes += SecurityHeaderLines(response.content_type);
  if (response.status != 204) {
    bytes += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
  }
  bytes += cors_lines_;
  bytes += "X-Request-Id: " + log_.id + "\r\n";
  for (const auto& [name, value] : response.headers) bytes += name + ": " + value + "\r\n";
  if (state_.draining.load()) keep_alive_ = false;
  bytes += keep_alive_ ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
  if (request_.method != "HEAD") bytes += response.body;
  response_complete_ = true;
  Queue(std::move(bytes));
}

template <class Stream>
void HttpSession<Stream>::StartJob(std::unique_ptr<GenerationJob> job) {
  job_ = std::move(job);
  log_.stream = job_->streaming();
  // Bounded by the request deadline instead of the stream's own timer.
  Tcp().expires_never();
  deadline_.expires_after(std::chrono::seconds(options_.request_timeout_s));
  deadline_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
    if (ec || !self->job_) return;
    self->job_->Cancel({504, "The request took longer than server.request_timeout_s",
                        "timeout_error", "", "timeout"});
    self->Pump();
  });
  if (job_->streaming()) {
    log_.status = 200;
    std::string head = StatusLine(200);
    head += "Content-Type: text/event-stream\r\n" + SecurityHeaderLines("text/event-stream");
    head += cors_lines_;
    for (const auto& [name, value] : job_headers_) head += name + ": " + value + "\r\n";
    head += "Transfer-Encoding: chunked\r\nX-Request-Id: " + log_.id + "\r\n";
    head += keep_alive_ ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
    Queue(std::move(head));
  }
  StartWatch();
  std::weak_ptr<HttpSession> weak = this->shared_from_this();
  auto executor = stream_.get_executor();
  std::shared_ptr<std::atomic<bool>> posted = pump_posted_;
  job_->SetNotify([weak, executor, posted] {
    if (posted->exchange(true)) return;  // a Pump is already on its way
    net::post(executor, [weak] {
      if (auto self = weak.lock()) self->Pump();
    });
  });
  Pump();
}

template <class Stream>
void HttpSession<Stream>::Pump() {
  pump_posted_->store(false);
  if (!job_ || closed_) return;
  JobOutput out = job_->Poll();
  for (std::string& frame : out.frames) Queue(Chunk(frame));
  if (!out.done) return;
  const JobSummary& summary = job_->summary();
  log_.prompt_tokens = summary.prompt_tokens;
  log_.completion_tokens = summary.completion_tokens;
  log_.cached_tokens = summary.cached_tokens;
  log_.finish_reason = summary.finish_reason;
  log_.ttft_ms = summary.time_to_first_token_ms;
  log_.queue_ms = summary.queue_ms;
  if (log_.include_content) {
    log_.answer = state_.policy ? state_.policy->RedactForLog(summary.text) : summary.text;
  }
  if (state_.audit && state_.audit->config().capture != "none") audit_answer_ = summary.text;
  const bool streaming = job_->streaming();
  job_.reset();
  deadline_.cancel();
  if (streaming) {
    // The stream ends only once its record is taken; unaudited, it is cut off.
    if (!Audit(200, summary.finish_reason == "error" ? "error" : "")) return ClientGone();
    response_complete_ = true;
    Queue("0\r\n\r\n");
  } else {
    HttpResponse& response = *out.response;
    response.headers.insert(response.headers.end(), job_headers_.begin(), job_headers_.end());
    SendResponse(response);
  }
}

// While a job runs, a read notices a client that closes its connection.
template <class Stream>
void HttpSession<Stream>::StartWatch() {
  if (watching_ || closed_) return;
  watching_ = true;
  stream_.async_read_some(buffer_.prepare(4096), [self = this->shared_from_this()](
                                                     beast::error_code ec, std::size_t bytes) {
    self->OnWatch(ec, bytes);
  });
}

template <class Stream>
void HttpSession<Stream>::OnWatch(beast::error_code ec, std::size_t bytes) {
  watching_ = false;
  if (closed_) return;
  if (lingering_) return ec ? Close() : LingerRead();
  if (ec) {
    if (job_ || writing_ || !outbox_.empty()) return ClientGone();
    return Close();
  }
  buffer_.commit(bytes);
  const auto cap = static_cast<std::size_t>(options_.max_header_bytes + options_.max_body_bytes);
  if (job_ && buffer_.size() < cap) return StartWatch();  // a pipelined request: keep it
  if (resume_read_) {
    resume_read_ = false;
    DoRead();
  }
}

template <class Stream>
void HttpSession<Stream>::Queue(std::string bytes) {
  if (closed_) return;
  outbox_.push_back(std::move(bytes));
  if (!writing_) WriteNext();
}

template <class Stream>
void HttpSession<Stream>::WriteNext() {
  writing_ = true;
  Tcp().expires_after(std::chrono::seconds(options_.request_timeout_s));
  net::async_write(
      stream_, net::buffer(outbox_.front()),
      [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->OnWrite(ec); });
}

template <class Stream>
void HttpSession<Stream>::OnWrite(beast::error_code ec) {
  writing_ = false;
  if (closed_) return;
  if (ec) return ClientGone();
  outbox_.pop_front();
  if (!outbox_.empty()) return WriteNext();
  if (response_complete_ && !job_) AfterResponse();
}

template <class Stream>
void HttpSession<Stream>::AfterResponse() {
  response_complete_ = false;
  Log();
  if (counted_in_flight_) {
    counted_in_flight_ = false;
    state_.in_flight.fetch_sub(1);
  }
  if (!keep_alive_ || state_.draining.load()) return LingerClose();
  if (watching_) {
    // The watch read doubles as the wait for the next request.
    Tcp().expires_after(std::chrono::seconds(options_.idle_timeout_s));
    resume_read_ = true;
    idle_ = true;
    return;
  }
  DoRead();
}

template <class Stream>
void HttpSession<Stream>::ClientGone() {
  if (job_) {
    state_.http.CountAbort();
    log_.client_aborted = true;
    log_.status = log_.status == 0 ? 499 : log_.status;
    (void)Audit(499, "client_closed");
    job_.reset();  // cancels the engine requests now
    deadline_.cancel();
  }
  if (counted_in_flight_) {
    Log();
    counted_in_flight_ = false;
    state_.in_flight.fetch_sub(1);
  }
  Close();
}

// Half-closes, then reads what the client still sends for a moment, so that
// it sees our answer (a 413, say) instead of a reset.
template <class Stream>
void HttpSession<Stream>::LingerClose() {
  if (closed_) return;
  lingering_ = true;
  beast::error_code ignored;
  Tcp().socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
  Tcp().expires_after(std::chrono::seconds(2));
  if (!watching_) LingerRead();  // else OnWatch continues here
}

template <class Stream>
void HttpSession<Stream>::LingerRead() {
  stream_.async_read_some(net::buffer(scratch_),
                          [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                            if (ec || self->closed_) return self->Close();
                            self->LingerRead();
                          });
}

template <class Stream>
void HttpSession<Stream>::Close() {
  if (closed_) return;
  closed_ = true;
  idle_ = false;
  job_.reset();
  deadline_.cancel();
  beast::error_code ignored;
  Tcp().socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  Tcp().close();
}

template <class Stream>
void HttpSession<Stream>::Log() {
  if (log_.status != 0) state_.http.Count(log_.status == 499 ? 400 : log_.status);
  if (!state_.options.log_requests || log_.status == 0) return;
  log_.total_ms = std::chrono::duration<double, std::milli>(Clock::now() - started_).count();
  const std::string line = RequestLogLine(log_);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

template <class Stream>
bool HttpSession<Stream>::Audit(int status, std::string reason) {
  if (audited_) return true;
  audited_ = true;
  // Refusals at accept come before any request started.
  const auto latency =
      started_ == Clock::time_point{}
          ? 0
          : std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started_).count();
  const AuditFacts facts{log_,   request_, peer_.ToString(),        status,
                         reason, latency,  std::move(audit_answer_)};
  return AuditRequest(state_, facts).ok();
}

template class HttpSession<PlainStream>;
template class HttpSession<TlsStream>;

}  // namespace citadel::server
