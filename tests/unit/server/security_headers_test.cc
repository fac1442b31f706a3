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

TEST(CorsPolicyTest, AcceptsOriginsOnlyAndNeverAWildcard) {
  EXPECT_TRUE(CorsPolicy::Create({"https://app.example.com", "http://127.0.0.1:3000",
                                  "https://[::1]:8443", "HTTPS://Upper.Example"})
                  .ok());
  for (const char* bad :
       {"*", "app.example.com", "https://", "https://a.b/", "https://a.b/path", "ftp://a.b",
        "https://a b", "https://a.b:", "https://a.b:123456", "https://a.b\r\nX-Evil: 1"}) {
    auto policy = CorsPolicy::Create({bad});
    ASSERT_FALSE(policy.ok()) << bad;
    EXPECT_NE(policy.status().message().find("server.cors_origins"), std::string::npos);
  }
}

TEST(CorsPolicyTest, OffByDefaultAndNamesOnlyListedOrigins) {
  const CorsPolicy off;
  EXPECT_FALSE(off.enabled());
  EXPECT_EQ(off.ResponseLines("https://app.example.com"), "");
  const CorsPolicy on = *CorsPolicy::Create({"https://app.example.com"});
  EXPECT_EQ(on.ResponseLines("https://evil.example"), "Vary: Origin\r\n");
  const std::string lines = on.ResponseLines("https://APP.example.com");
  EXPECT_NE(lines.find("Access-Control-Allow-Origin: https://APP.example.com\r\n"),
            std::string::npos);
  EXPECT_NE(lines.find("x-ratelimit-remaining-requests"), std::string::npos);  // exposed
  EXPECT_EQ(lines.find("Allow-Credentials"), std::string::npos);
  // Asked-for header names are echoed only when they are plain tokens.
  EXPECT_NE(on.PreflightLines("https://app.example.com", "authorization, x-stainless-os")
                .find("Access-Control-Allow-Headers: authorization, x-stainless-os\r\n"),
            std::string::npos);
  EXPECT_NE(on.PreflightLines("https://app.example.com", "a\r\nSet-Cookie: x")
                .find("Access-Control-Allow-Headers: Authorization, Content-Type, x-api-key\r\n"),
            std::string::npos);
}

TEST(CorsPolicyTest, PreflightAnsweredOnlyForListedOriginsOverTheWire) {
  ServerState state;
  state.models.SetState(ModelRegistry::State::kReady);
  state.options.log_requests = false;
  HttpServerOptions options;
  options.port = 0;
  options.io_threads = 1;
  options.shutdown_grace_s = 1;
  options.cors = *CorsPolicy::Create({"https://app.example.com"});
  HttpServer server(state, options);
  ASSERT_TRUE(server.Listen().ok());
  std::thread runner([&] { server.Run(); });
  const auto preflight = [&](const std::string& origin) {
    return ExchangeOnLoopback(
        server.port(), "OPTIONS /v1/chat/completions HTTP/1.1\r\nHost: x\r\nOrigin: " + origin +
                           "\r\nAccess-Control-Request-Method: POST\r\n"
                           "Access-Control-Request-Headers: authorization, content-type\r\n"
                           "Connection: close\r\n\r\n");
  };
  const std::string listed = preflight("https://app.example.com");
  EXPECT_TRUE(listed.starts_with("HTTP/1.1 204 No Content\r\n")) << listed;
  EXPECT_NE(listed.find("Access-Control-Allow-Origin: https://app.example.com\r\n"),
            std::string::npos);
  EXPECT_NE(listed.find("Access-Control-Allow-Methods: GET, POST, OPTIONS\r\n"), std::string::npos);
  EXPECT_EQ(listed.find("Content-Length"), std::string::npos);
  const std::string other = preflight("https://evil.example");
  EXPECT_TRUE(other.starts_with("HTTP/1.1 403 ")) << other;
  EXPECT_NE(other.find("origin_not_allowed"), std::string::npos);
  EXPECT_EQ(other.find("Access-Control-Allow-Origin"), std::string::npos);
  const std::string get =
      ExchangeOnLoopback(server.port(),
                         "GET /health HTTP/1.1\r\nHost: x\r\nOrigin: https://app.example.com\r\n"
                         "Connection: close\r\n\r\n");
  EXPECT_NE(get.find("Access-Control-Allow-Origin: https://app.example.com\r\n"), std::string::npos)
      << get;
  server.Shutdown();
  runner.join();
}

}  // namespace
}  // namespace citadel::server
