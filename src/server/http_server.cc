#include "server/http_server.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdio>
#include <thread>
#include <vector>

#include "server/http_session.h"
#include "server/request_log.h"

namespace citadel::server {

namespace net = boost::asio;
using tcp = net::ip::tcp;

class HttpServer::Impl {
 public:
  Impl(ServerState& state, HttpServerOptions options)
      : state_(state),
        options_(std::move(options)),
        ioc_(options_.io_threads),
        acceptor_(net::make_strand(ioc_)),
        signals_(ioc_, SIGINT, SIGTERM),
        reload_signal_(ioc_),
        drain_timer_(ioc_),
        allowlist_(options_.network, options_.network_refuse) {}

  Status Listen() {
    if (options_.tls.enabled) {
      CITADEL_ASSIGN_OR_RETURN(tls_, TlsContextSource::Create(options_.tls));
    }
    boost::system::error_code ec;
    const auto address = net::ip::make_address(options_.host, ec);
    if (ec) return InvalidArgumentError("server.host '" + options_.host + "' is not an IP address");
    const tcp::endpoint endpoint(address, static_cast<unsigned short>(options_.port));
    const std::string where = options_.host + ":" + std::to_string(options_.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) return UnavailableError("cannot listen on " + where + ": " + ec.message());
    port_ = acceptor_.local_endpoint().port();
    return OkStatus();
  }

  int port() const { return port_; }
  std::string TlsDescription() const { return tls_ ? tls_->Describe() : ""; }

  void Run() {
    signals_.async_wait([this](boost::system::error_code ec, int signal) {
      if (!ec) BeginDrain(signal == SIGINT ? "SIGINT" : "SIGTERM");
    });
    if (tls_ || (state_.policy && state_.policy->has_words_file())) {
      reload_signal_.add(SIGHUP);
      WaitForReload();
    }
    Accept();
    std::vector<std::thread> threads;
    for (int i = 1; i < options_.io_threads; ++i) threads.emplace_back([this] { ioc_.run(); });
    ioc_.run();
    for (std::thread& t : threads) t.join();
  }

  void Shutdown() {
    net::post(ioc_, [this] { BeginDrain("shutdown requested"); });
  }

 private:
  void Accept() {
    acceptor_.async_accept(net::make_strand(ioc_),
                           [this](boost::system::error_code ec, tcp::socket socket) {
                             if (ec == net::error::operation_aborted || !acceptor_.is_open())
                               return;
                             if (!ec) Admit(std::move(socket));
                             Accept();
                           });
  }

  // The allowlist stage, on the peer's address alone.
  void Admit(tcp::socket socket) {
    boost::system::error_code ec;
    const tcp::endpoint peer = socket.remote_endpoint(ec);
    if (ec) return;  // already gone
    const security::IpAddress address = ToIpAddress(peer.address());
    const Admission admission = allowlist_.AtAccept(address);
    if (admission == Admission::kClose) {
      socket.close(ec);
      return;
    }
    SessionStart start = SessionStart::kServe;
    if (admission == Admission::kForbidden) {
      start = SessionStart::kForbidden;
    } else if (state_.open_connections.load() >= options_.max_connections) {
      start = SessionStart::kTooMany;
    }
    if (!tls_) {
      std::make_shared<HttpSession<PlainStream>>(PlainStream(std::move(socket)), nullptr, address,
                                                 state_, options_, tracker_, allowlist_, start)
          ->Start();
      return;
    }
    std::shared_ptr<net::ssl::context> context = tls_->Current();
    TlsStream stream(std::move(socket), *context);
    std::make_shared<HttpSession<TlsStream>>(std::move(stream), std::move(context), address, state_,
                                             options_, tracker_, allowlist_, start)
        ->Start();
  }

  // SIGHUP: new connections get a context built from the files as they are
  // now; a failure keeps the old one.
  void WaitForReload() {
    reload_signal_.async_wait([this](boost::system::error_code ec, int) {
      if (ec) return;
      if (tls_) {
        const Status reloaded = tls_->Reload();
        if (reloaded.ok()) {
          Log("info", "tls_reloaded", "new connections get " + tls_->Describe());
        } else {
          Log("error", "tls_reload_failed", reloaded.message() + "; keeping " + tls_->Describe());
        }
      }
      ReloadPolicyWords();
      WaitForReload();
    });
  }

  // SIGHUP: answers that start from now on use the words file as it is now;
  // a file that does not load keeps the old lexicon.
  void ReloadPolicyWords() {
    if (!state_.policy || !state_.policy->has_words_file()) return;
    const Status reloaded = state_.policy->ReloadWords();
    if (reloaded.ok()) {
      Log("info", "policy_words_reloaded",
          std::to_string(state_.policy->term_count()) + " terms");
    } else {
      Log("error", "policy_words_reload_failed", reloaded.message() + "; keeping the old lexicon");
    }
  }

  void BeginDrain(const std::string& why) {
    if (state_.draining.exchange(true)) return;
    signals_.cancel();
    reload_signal_.cancel();
    Log("info", "draining",
        why + ": no new connections; in-flight requests have " +
            std::to_string(options_.shutdown_grace_s) + " s to finish");
    net::post(acceptor_.get_executor(), [this] {
      boost::system::error_code ignored;
      acceptor_.close(ignored);
    });
    tracker_.CloseIdle();
    drain_deadline_ =
        std::chrono::steady_clock::now() + std::chrono::seconds(options_.shutdown_grace_s);
    PollDrain();
  }

  // Every 20 ms: done when nothing is in flight; past the grace period the
  // engines cancel what is left (clients get 503 / an SSE error), and 5 s
  // after that the loop stops regardless.
  void PollDrain() {
    const auto now = std::chrono::steady_clock::now();
    if (state_.in_flight.load() == 0 || now > drain_deadline_ + std::chrono::seconds(5)) {
      Log("info", "stopped", std::to_string(state_.in_flight.load()) + " requests left");
      tracker_.CloseIdle();
      ioc_.stop();
      return;
    }
    if (now > drain_deadline_ && !cancelled_) {
      cancelled_ = true;
      Log("warn", "grace_expired",
          "cancelling " + std::to_string(state_.in_flight.load()) + " in-flight requests");
      state_.models.StopEngines();
    }
    tracker_.CloseIdle();
    drain_timer_.expires_after(std::chrono::milliseconds(20));
    drain_timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec) PollDrain();
    });
  }

  void Log(const std::string& level, const std::string& event, const std::string& message) {
    const std::string line = EventLogLine(level, event, message);
    std::fwrite(line.data(), 1, line.size(), stderr);
  }

  ServerState& state_;
  const HttpServerOptions options_;
  // Before ioc_: sessions still queued in ioc_ unregister from it when
  // ioc_ is destroyed.
  SessionTracker tracker_;
  net::io_context ioc_;
  tcp::acceptor acceptor_;
  net::signal_set signals_;
  net::signal_set reload_signal_;
  std::unique_ptr<TlsContextSource> tls_;  // null: plain HTTP
  net::steady_timer drain_timer_;
  std::chrono::steady_clock::time_point drain_deadline_;
  bool cancelled_ = false;
  int port_ = 0;
  const AllowlistStage allowlist_;
};

HttpServer::HttpServer(ServerState& state, HttpServerOptions options)
    : impl_(std::make_unique<Impl>(state, std::move(options))) {}
HttpServer::~HttpServer() = default;
Status HttpServer::Listen() {
  return impl_->Listen();
}
int HttpServer::port() const {
  return impl_->port();
}
std::string HttpServer::TlsDescription() const {
  return impl_->TlsDescription();
}
void HttpServer::Run() {
  impl_->Run();
}
void HttpServer::Shutdown() {
  impl_->Shutdown();
}

}  // namespace citadel::server
