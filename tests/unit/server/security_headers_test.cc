// Security headers on every response: over a real socket for the API, and
// the page policy for HTML bodies.
#include "server/security_headers.h"

#include <gtest/gtest.h>

#include <thread>

#include "loopback_client.h"
#include "server/http_server.h"

namespace citadel::server {
namespace {

TEST(SecurityHeadersTest, PagesGetAStrictPolicy) {
  const std::string lines = SecurityHeaderLines("text/html; charset=utf-8");
  EXPECT_NE(lines.find("Content-Security-Policy: default-src 'self'"), std::string::npos);
  EXPECT_NE(lines.find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_NE(lines.find("X-Content-Type-Options: nosniff\r\n"), std::string::npos);
  EXPECT_EQ(lines.find("no-store"), std::string::npos);
}

TEST(SecurityHeadersTest, ApiBodiesAreNeverStored) {
  for (const char* type : {"application/json", "text/event-stream", "text/plain"}) {
    const std::string lines = SecurityHeaderLines(type);
    EXPECT_NE(lines.find("Cache-Control: no-store\r\n"), std::string::npos) << type;
    EXPECT_NE(lines.find("X-Content-Type-Options: nosniff\r\n"), std::string::npos) << type;
    EXPECT_EQ(lines.find("Content-Security-Policy"), std::string::npos) << type;
  }
}

TEST(SecurityHeadersTest, EveryAnswerOverTheWireCarriesThem) {
  ServerState state;
  state.models.SetState(ModelRegistry::State::kReady);
  state.options.log_requests = false;
  HttpServerOptions options;
  options.port = 0;
  options.io_threads = 1;
  options.shutdown_grace_s = 1;
  HttpServer server(state, options);
  ASSERT_TRUE(server.Listen().ok());
  std::thread runner([&] { server.Run(); });
  for (const char* path : {"/health", "/nowhere", "/metrics"}) {
    const std::string reply =
        ExchangeOnLoopback(server.port(), "GET " + std::string(path) +
                                              " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_NE(reply.find("\r\nX-Content-Type-Options: nosniff\r\n"), std::string::npos) << reply;
    EXPECT_NE(reply.find("\r\nCache-Control: no-store\r\n"), std::string::npos) << reply;
    EXPECT_EQ(reply.find("Access-Control-Allow-Origin"), std::string::npos) << reply;
  }
  server.Shutdown();
  runner.join();
}

}  // namespace
}  // namespace citadel::server
