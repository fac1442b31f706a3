// tls_connect_bench: new HTTPS connections per second that `citadel serve`'s
// HTTP server accepts: each connection is a full TLS 1.3 handshake (no
// session resumption, P-256 self-signed certificate), one GET /health and a
// close. Server and clients run in this one process on the same cores, so
// the figure includes the clients' half of every handshake (a pessimistic
// number for the server alone).
//
//   tls_connect_bench [--seconds 5] [--clients 8] [--io-threads 2] [--plain]
//
// Target (issue 15): at least 1,000 new TLS connections per second on 2
// cores. --plain measures the same without TLS, for reference.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "server/http_server.h"
#include "server/server_state.h"

namespace {

int Connect(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    close(fd);
    return -1;
  }
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

constexpr char kRequest[] = "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

// One connection: handshake (when `ctx`), request, read to the end. True on
// a 200.
bool OneConnection(int port, SSL_CTX* ctx) {
  const int fd = Connect(port);
  if (fd < 0) return false;
  char buffer[4096];
  std::string reply;
  if (ctx == nullptr) {
    (void)!write(fd, kRequest, sizeof(kRequest) - 1);
    for (ssize_t n; (n = read(fd, buffer, sizeof(buffer))) > 0;) reply.append(buffer, n);
  } else {
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    if (SSL_connect(ssl) == 1) {
      SSL_write(ssl, kRequest, sizeof(kRequest) - 1);
      for (int n; (n = SSL_read(ssl, buffer, sizeof(buffer))) > 0;) reply.append(buffer, n);
    }
    SSL_free(ssl);
  }
  close(fd);
  return reply.starts_with("HTTP/1.1 200");
}

}  // namespace

int main(int argc, char** argv) {
  int seconds = 5;
  int clients = 8;
  int io_threads = 2;
  bool plain = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto next = [&] { return i + 1 < argc ? std::atoi(argv[++i]) : 0; };
    if (arg == "--seconds") seconds = next();
    if (arg == "--clients") clients = next();
    if (arg == "--io-threads") io_threads = next();
    if (arg == "--plain") plain = true;
  }
  citadel::server::ServerState state;
  state.models.SetState(citadel::server::ModelRegistry::State::kReady);
  state.options.log_requests = false;
  citadel::server::HttpServerOptions options;
  options.port = 0;
  options.io_threads = io_threads;
  options.max_connections = 100000;
  options.tls.enabled = !plain;
  options.tls.self_signed = true;
  citadel::server::HttpServer server(state, options);
  if (const auto listened = server.Listen(); !listened.ok()) {
    std::fprintf(stderr, "tls_connect_bench: %s\n", listened.message().c_str());
    return 1;
  }
  std::thread runner([&] { server.Run(); });

  SSL_CTX* ctx = plain ? nullptr : SSL_CTX_new(TLS_client_method());
  if (ctx != nullptr) SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);  // full handshakes
  std::atomic<long> done{0};
  std::atomic<long> failed{0};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  const auto started = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (int c = 0; c < clients; ++c) {
    workers.emplace_back([&] {
      while (std::chrono::steady_clock::now() < deadline) {
        (OneConnection(server.port(), ctx) ? done : failed).fetch_add(1);
      }
    });
  }
  for (std::thread& w : workers) w.join();
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  server.Shutdown();
  runner.join();
  if (ctx != nullptr) SSL_CTX_free(ctx);
  std::printf(
      "%s: %.0f new connections/s (%ld in %.1f s, %ld failed), %d clients, %d io threads, "
      "%u hardware threads\n",
      plain ? "plain HTTP" : "TLS 1.3", done.load() / elapsed, done.load(), elapsed, failed.load(),
      clients, io_threads, std::thread::hardware_concurrency());
  return failed.load() == 0 ? 0 : 1;
}
