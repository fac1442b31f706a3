// The HTTP layer over a real loopback socket (no model): keep-alive,
// limits, malformed requests, and Shutdown() draining Run().
#include "server/http_server.h"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <thread>

#include "loopback_client.h"

namespace citadel::server {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    state_.models.SetState(ModelRegistry::State::kReady);
    HttpServerOptions options;
    options.port = 0;
    options.io_threads = 2;
    options.max_body_bytes = 2048;
    options.max_header_bytes = 2048;
    options.shutdown_grace_s = 5;
    state_.options.log_requests = false;
    server_ = std::make_unique<HttpServer>(state_, options);
    ASSERT_TRUE(server_->Listen().ok());
    runner_ = std::thread([this] { server_->Run(); });
  }
  void TearDown() override {
    server_->Shutdown();
    runner_.join();
  }

  // Sends raw bytes on a new connection and reads until the server closes it.
  std::string Exchange(const std::string& bytes) {
    return ExchangeOnLoopback(server_->port(), bytes);
  }

  ServerState state_;
  std::unique_ptr<HttpServer> server_;
  std::thread runner_;
};

TEST_F(HttpServerTest, AnswersAndClosesWhenAsked) {
  const std::string reply =
      Exchange("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << reply;
  EXPECT_NE(reply.find("Content-Type: application/json"), std::string::npos);
  EXPECT_NE(reply.find("X-Request-Id: req-"), std::string::npos);
  EXPECT_NE(reply.find("{\"status\":\"ok\"}"), std::string::npos);
}

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  const std::string reply = Exchange(
      "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const size_t first = reply.find("HTTP/1.1 200");
  const size_t second = reply.find("HTTP/1.1 404", first);
  const size_t third = reply.find("HTTP/1.1 503", second);  // no model loaded
  EXPECT_NE(first, std::string::npos) << reply;
  EXPECT_NE(second, std::string::npos) << reply;
  EXPECT_NE(third, std::string::npos) << reply;
}

TEST_F(HttpServerTest, BodyOverTheLimitIs413) {
  const std::string body(4096, 'x');
  const std::string reply =
      Exchange("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: " +
               std::to_string(body.size()) + "\r\n\r\n" + body);
  EXPECT_EQ(reply.rfind("HTTP/1.1 413", 0), 0u) << reply;
  EXPECT_NE(reply.find("request_too_large"), std::string::npos);
}

TEST_F(HttpServerTest, HeadersOverTheLimitAre431) {
  const std::string reply =
      Exchange("GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4096, 'y') + "\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 431", 0), 0u) << reply;
}

TEST_F(HttpServerTest, GarbageIs400AndTheServerCarriesOn) {
  EXPECT_EQ(Exchange("\x01\x02 nonsense\r\n\r\n").rfind("HTTP/1.1 400", 0), 0u);
  EXPECT_EQ(Exchange("GET /health HTTP/1.1\r\nConnection: close\r\n\r\n").rfind("HTTP/1.1 200", 0),
            0u);
}

TEST_F(HttpServerTest, MalformedJsonIs400WithTheOpenAiBody) {
  const std::string body = "{\"model\":";
  const std::string reply = Exchange(
      "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body);
  EXPECT_EQ(reply.rfind("HTTP/1.1 400", 0), 0u) << reply;
  EXPECT_NE(reply.find("\"type\":\"invalid_request_error\""), std::string::npos);
}

}  // namespace
}  // namespace citadel::server
