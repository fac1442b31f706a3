// The allowlist stage over real loopback sockets: a client bound to source
// address 127.0.0.2 against a server on 127.0.0.1 whose network.allow is
// 127.0.0.1/32 (refused) or 127.0.0.0/8 (served), in both refuse modes; and
// X-Forwarded-For believed only from a trusted proxy.
#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <thread>

#include "loopback_client.h"
#include "server/http_server.h"

namespace citadel::server {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

security::NetworkPolicyConfig Rules(std::vector<std::string> allow, std::vector<std::string> deny,
                                    std::vector<std::string> trusted_proxies) {
  return {std::move(allow), std::move(deny), std::move(trusted_proxies)};
}

class AllowlistTest : public ::testing::Test {
 protected:
  void Start(security::NetworkPolicyConfig config, RefuseMode mode = RefuseMode::kClose) {
    state_.models.SetState(ModelRegistry::State::kReady);
    state_.options.log_requests = false;
    HttpServerOptions options;
    options.port = 0;
    options.io_threads = 1;
    options.shutdown_grace_s = 1;
    auto policy = security::NetworkPolicy::Create(config);
    ASSERT_TRUE(policy.ok()) << policy.status().message();
    options.network = *policy;
    options.network_refuse = mode;
    server_ = std::make_unique<HttpServer>(state_, options);
    ASSERT_TRUE(server_->Listen().ok());
    runner_ = std::thread([this] { server_->Run(); });
  }
  void TearDown() override {
    if (!server_) return;
    server_->Shutdown();
    runner_.join();
  }

  std::string Exchange(const char* source, const std::string& bytes) {
    return ExchangeOnLoopback(server_->port(), bytes, source);
  }

  static std::string Get(const std::string& extra_headers = "") {
    return "GET /health HTTP/1.1\r\nHost: x\r\n" + extra_headers + "Connection: close\r\n\r\n";
  }

  ServerState state_;
  std::unique_ptr<HttpServer> server_;
  std::thread runner_;
};

TEST_F(AllowlistTest, PeerOutsideTheAllowlistIsClosedUnanswered) {
  Start(Rules({"127.0.0.1/32"}, {}, {}));
  EXPECT_EQ(Exchange("127.0.0.2", Get()), "");
  EXPECT_EQ(Exchange("127.0.0.1", Get()).rfind("HTTP/1.1 200", 0), 0u);
}

TEST_F(AllowlistTest, PeerInsideAWiderBlockIsServed) {
  Start(Rules({"127.0.0.0/8"}, {}, {}));
  EXPECT_EQ(Exchange("127.0.0.2", Get()).rfind("HTTP/1.1 200", 0), 0u);
}

TEST_F(AllowlistTest, RefuseMode403AnswersWithAnErrorBody) {
  Start(Rules({"127.0.0.1/32"}, {}, {}), RefuseMode::kForbidden);
  const std::string reply = Exchange("127.0.0.2", Get());
  EXPECT_EQ(reply.rfind("HTTP/1.1 403 Forbidden", 0), 0u) << reply;
  EXPECT_NE(reply.find("\"code\":\"address_not_allowed\""), std::string::npos) << reply;
}

TEST_F(AllowlistTest, DenyWinsOverAllow) {
  Start(Rules({"intranet"}, {"127.0.0.2"}, {}));
  EXPECT_EQ(Exchange("127.0.0.2", Get()), "");
  EXPECT_EQ(Exchange("127.0.0.3", Get()).rfind("HTTP/1.1 200", 0), 0u);
}

TEST_F(AllowlistTest, ForgedForwardedForFromAnUntrustedPeerIsIgnored) {
  // 10.0.0.0/8 is denied, but 127.0.0.1 is no proxy of ours: its header is ignored.
  Start(Rules({}, {"10.0.0.0/8"}, {}), RefuseMode::kForbidden);
  EXPECT_EQ(Exchange("127.0.0.1", Get("X-Forwarded-For: 10.1.2.3\r\n")).rfind("HTTP/1.1 200", 0),
            0u);
}

TEST_F(AllowlistTest, TrustedProxyForwardsTheClientItSaw) {
  Start(Rules({}, {"10.0.0.0/8"}, {"127.0.0.1"}), RefuseMode::kForbidden);
  EXPECT_EQ(Exchange("127.0.0.1", Get("X-Forwarded-For: 10.1.2.3\r\n")).rfind("HTTP/1.1 403", 0),
            0u);
  // A forged entry left of the real client is not believed either.
  EXPECT_EQ(Exchange("127.0.0.1", Get("X-Forwarded-For: 10.1.2.3, 192.0.2.7\r\n"))
                .rfind("HTTP/1.1 200", 0),
            0u);
  // Repeated headers fold in order: the rightmost is 10.1.2.3.
  EXPECT_EQ(
      Exchange("127.0.0.1", Get("X-Forwarded-For: 192.0.2.7\r\nX-Forwarded-For: 10.1.2.3\r\n"))
          .rfind("HTTP/1.1 403", 0),
      0u);
  // 127.0.0.2 is not a trusted proxy: what it forwards is ignored.
  EXPECT_EQ(Exchange("127.0.0.2", Get("X-Forwarded-For: 10.1.2.3\r\n")).rfind("HTTP/1.1 200", 0),
            0u);
}

}  // namespace
}  // namespace citadel::server
