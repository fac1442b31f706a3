// HttpServer: HTTP/1.1 over Boost.Beast/Asio for the OpenAI endpoints.
//
//   HttpServer server(state, options);
//   CITADEL_TRY(server.Listen());   // binds host:port (port 0: any free port)
//   server.Run();                   // I/O threads; returns after a drain
//
// Limits: header bytes (431), body bytes (413), time to read one request,
// idle keep-alive time, time to answer one request (the generation is
// cancelled: 504), open connections (503 past the limit). Each connection
// runs on its own strand, so a slow or malformed client only ever holds its
// own connection. A client that disconnects mid-request cancels its engine
// requests at once.
//
// Before a byte is read, the allowlist stage admits or refuses the peer
// (network.allow / network.deny; see allowlist_stage.h).
//
// With options.tls enabled every connection is HTTPS (see
// tls_context_source.h). SIGHUP re-reads the certificate and key: new
// connections get the new context, open ones keep theirs; a file that does
// not load leaves the old context in use, and the log says why.
//
// Drain (SIGTERM, SIGINT or Shutdown()): stop accepting, /ready turns 503,
// idle keep-alive connections close, in-flight requests get
// shutdown_grace_s to finish; then the engines cancel the rest (their
// clients get a 503 or an SSE error frame) and Run() returns.
//
// Thread contract: Listen and Run from one thread; Shutdown from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "security/network_policy.h"
#include "server/allowlist_stage.h"
#include "server/security_headers.h"
#include "server/server_state.h"
#include "server/tls_context_source.h"
#include "util/status.h"

namespace citadel::server {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;
  int io_threads = 4;
  int max_connections = 512;
  std::int64_t max_header_bytes = 16384;
  std::int64_t max_body_bytes = 4 << 20;
  int read_timeout_s = 30;
  int idle_timeout_s = 60;
  int request_timeout_s = 600;
  int shutdown_grace_s = 10;
  security::NetworkPolicy network;  // admits everyone by default
  RefuseMode network_refuse = RefuseMode::kClose;
  TlsOptions tls;  // disabled by default: plain HTTP
  CorsPolicy cors;  // off by default
};

class HttpServer {
 public:
  HttpServer(ServerState& state, HttpServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Builds the TLS context (InvalidArgument naming the file when it cannot),
  // then binds and listens (Unavailable naming the address when it cannot).
  Status Listen();
  // "certificate serial ..., SHA-256 ..." when serving TLS; empty otherwise.
  std::string TlsDescription() const;
  // The bound port (after Listen).
  int port() const;
  // Serves until a drain completes; handles SIGTERM and SIGINT.
  void Run();
  // Starts the drain; thread-safe, idempotent.
  void Shutdown();

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace citadel::server
