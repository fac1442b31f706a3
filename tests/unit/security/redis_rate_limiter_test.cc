// The Redis rate-limit backend against a real redis-server that the test
// starts on its own port and temp folder (skipped, saying so, when Debian's
// redis-server is not installed), and the on_backend_error policy when that
// server is killed.
#include "security/redis_rate_limiter.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "security/fallback_rate_limiter.h"
#include "security/local_rate_limiter.h"
#include "unit/security/rate_limiter_checks.h"

namespace citadel::security {
namespace {

// A port nothing listens on right now (the kernel's pick for port 0).
int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t size = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  close(fd);
  return ntohs(address.sin_port);
}

bool HaveRedisServer() {
  return std::system("command -v redis-server >/dev/null 2>&1") == 0;
}

// redis-server on 127.0.0.1:port with its files in a fresh temp folder,
// persistence off; stopped (and the folder removed) by the destructor.
class RedisProcess {
 public:
  RedisProcess() : port_(FreePort()) {
    char dir[] = "/tmp/citadel-redis-XXXXXX";
    dir_ = mkdtemp(dir);
    Start();
  }
  ~RedisProcess() {
    Kill(SIGTERM);
    std::filesystem::remove_all(dir_);
  }
  void Start() {
    pid_ = fork();
    if (pid_ == 0) {
      const std::string port = std::to_string(port_);
      execlp("redis-server", "redis-server", "--port", port.c_str(), "--bind", "127.0.0.1", "--dir",
             dir_.c_str(), "--save", "", "--appendonly", "no", "--loglevel", "warning",
             static_cast<char*>(nullptr));
      _exit(127);
    }
  }
  void Kill(int signal) {
    if (pid_ <= 0) return;
    kill(pid_, signal);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  int port() const { return port_; }

 private:
  int port_;
  std::string dir_;
  pid_t pid_ = -1;
};

RedisRateLimiterOptions OptionsFor(int port) {
  RedisRateLimiterOptions options;
  options.endpoint = {"127.0.0.1", port};
  options.retry_connect_ms = 0;  // the tests poll; no back-off between tries
  return options;
}

// Polls until `limiter` answers (the server is up), for at most 10 s.
bool WaitUntilServing(RateLimiter& limiter) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (limiter.Admit("probe", {}, "").ok()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

class RedisRateLimiterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!HaveRedisServer()) GTEST_SKIP() << "redis-server not installed (scripts/install-deps)";
    redis_ = std::make_unique<RedisProcess>();
    limiter_ = std::make_unique<RedisRateLimiter>(OptionsFor(redis_->port()));
    ASSERT_TRUE(WaitUntilServing(*limiter_)) << "redis-server did not start on " << redis_->port();
  }
  std::unique_ptr<RedisProcess> redis_;
  std::unique_ptr<RedisRateLimiter> limiter_;
};

TEST_F(RedisRateLimiterTest, RequestBurst) {
  testing::ExpectRequestBurst(*limiter_, "key:1");
}

TEST_F(RedisRateLimiterTest, TokenBudget) {
  testing::ExpectTokenBudget(*limiter_, "key:2");
}

TEST_F(RedisRateLimiterTest, StreamSlots) {
  testing::ExpectStreamSlots(*limiter_, "key:3");
}

TEST_F(RedisRateLimiterTest, IndependentSubjects) {
  testing::ExpectIndependentSubjects(*limiter_, "key:");
}

// Two limiters (two replicas) on one Redis, four threads each: exactly the
// budget passes in total.
TEST_F(RedisRateLimiterTest, ReplicasShareOneBudget) {
  RedisRateLimiter other(OptionsFor(redis_->port()));
  const RateLimits limits{100, 0, 0};
  std::atomic<int> allowed{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    RateLimiter& replica = t % 2 == 0 ? static_cast<RateLimiter&>(*limiter_) : other;
    threads.emplace_back([&replica, &limits, &allowed, &errors] {
      for (int i = 0; i < 25; ++i) {
        auto check = replica.Admit("key:shared", limits, "");
        if (!check.ok()) errors.fetch_add(1);
        if (check.ok() && check->allowed) allowed.fetch_add(1);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(allowed.load(), 100);  // of 200 tries, within one refill interval (600 ms)
}

TEST_F(RedisRateLimiterTest, AKilledServerIsUnavailableNamingIt) {
  redis_->Kill(SIGKILL);
  auto check = limiter_->Admit("key:1", {10, 0, 0}, "");
  ASSERT_FALSE(check.ok());
  EXPECT_EQ(check.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(check.status().message().find("redis://127.0.0.1:" + std::to_string(redis_->port())),
            std::string::npos)
      << check.status().message();
}

// on_backend_error = local: the local buckets decide during the outage, one
// notice when it starts and one when Redis answers again.
TEST_F(RedisRateLimiterTest, LocalPolicyFallsBackAndReportsTheOutageOnce) {
  ManualClock clock(1700000000);
  std::vector<Status> changes;
  FallbackRateLimiter limiter(std::make_unique<RedisRateLimiter>(OptionsFor(redis_->port())),
                              std::make_unique<LocalRateLimiter>(clock), BackendErrorPolicy::kLocal,
                              [&changes](const Status& s) { changes.push_back(s); });
  const RateLimits limits{3, 0, 0};
  ASSERT_TRUE(limiter.Admit("key:9", limits, "")->allowed);  // Redis: 2 left there
  redis_->Kill(SIGKILL);
  for (int i = 0; i < 3; ++i) {
    auto check = limiter.Admit("key:9", limits, "");
    ASSERT_TRUE(check.ok()) << check.status().message();
    EXPECT_TRUE(check->allowed) << i;  // the local bucket starts full
  }
  EXPECT_FALSE(limiter.Admit("key:9", limits, "")->allowed);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].code(), StatusCode::kUnavailable);

  redis_->Start();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (changes.size() < 2 && std::chrono::steady_clock::now() < deadline) {
    (void)limiter.Admit("key:probe", {}, "");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_TRUE(changes[1].ok());
}

TEST_F(RedisRateLimiterTest, DenyPolicyRefusesDuringTheOutage) {
  ManualClock clock(1700000000);
  int outages = 0;
  FallbackRateLimiter limiter(std::make_unique<RedisRateLimiter>(OptionsFor(redis_->port())),
                              std::make_unique<LocalRateLimiter>(clock), BackendErrorPolicy::kDeny,
                              [&outages](const Status& s) { outages += s.ok() ? 0 : 1; });
  ASSERT_TRUE(limiter.Admit("key:8", {100, 0, 0}, "")->allowed);
  redis_->Kill(SIGKILL);
  for (int i = 0; i < 3; ++i) {
    auto check = limiter.Admit("key:8", {100, 0, 0}, "");
    ASSERT_FALSE(check.ok());
    EXPECT_EQ(check.status().code(), StatusCode::kUnavailable);
  }
  EXPECT_EQ(outages, 1);
}

TEST(RedisUrlTest, ParsesHostAndPortAndRefusesTheRest) {
  auto plain = ParseRedisUrl("redis://10.0.0.5:6380");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->host, "10.0.0.5");
  EXPECT_EQ(plain->port, 6380);
  EXPECT_EQ(ParseRedisUrl("redis://cache.internal")->port, 6379);
  EXPECT_EQ(ParseRedisUrl("redis://[::1]:7000")->host, "::1");
  for (const char* bad :
       {"", "redis://", "http://h:1", "redis://h:0", "redis://h:70000", "redis://h:x",
        "redis://h:", "redis://[::1", "redis://u@h:1", "redis://h:1/0"}) {
    auto parsed = ParseRedisUrl(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_NE(parsed.status().message().find("ratelimit.backend"), std::string::npos);
  }
}

TEST(BackendErrorPolicyTest, Parses) {
  EXPECT_EQ(*ParseBackendErrorPolicy("deny"), BackendErrorPolicy::kDeny);
  EXPECT_EQ(*ParseBackendErrorPolicy("local"), BackendErrorPolicy::kLocal);
  EXPECT_FALSE(ParseBackendErrorPolicy("allow").ok());
}

}  // namespace
}  // namespace citadel::security
