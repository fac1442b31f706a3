#include "security/redis_rate_limiter.h"

#include <hiredis/hiredis.h>
#include <openssl/sha.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <memory>

namespace citadel::security {
namespace {

// KEYS: request bucket, token bucket, stream leases. ARGV: op (admit |
// charge | release), rpm, tpm, streams, arg (the lease, or the tokens to
// charge), lease ttl ms. Returns {refused kind (0 none, 1 requests,
// 2 tokens, 3 streams), retry ms, requests remaining, requests reset ms,
// tokens remaining, tokens reset ms}. The refill is TokenBucket's.
constexpr const char kScript[] = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local op, arg, ttl = ARGV[1], ARGV[5], tonumber(ARGV[6])
local rpm, tpm, streams = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local W = 60000
local function level(key, cap)
  if cap <= 0 then return 0 end
  local v = redis.call('HMGET', key, 'l', 't')
  local l, ts = tonumber(v[1]), tonumber(v[2])
  if not l then return cap end
  if now > ts then l = l + (now - ts) * cap / W end
  if l > cap then l = cap end
  return l
end
local function save(key, cap, l)
  if cap <= 0 then return end
  redis.call('HSET', key, 'l', tostring(l), 't', now)
  redis.call('PEXPIRE', key, W + 1000)
end
local function report(cap, l)
  if cap <= 0 then return 0, 0 end
  return math.floor(l), math.ceil((cap - l) * W / cap)
end
local rl, tl = level(KEYS[1], rpm), level(KEYS[2], tpm)
local refused, retry = 0, 0
if op == 'admit' then
  local limited = arg ~= '' and streams > 0
  if rpm > 0 and rl < 1 then
    refused, retry = 1, math.ceil((1 - rl) * W / rpm)
  elseif tpm > 0 and tl < 1 then
    refused, retry = 2, math.ceil((1 - tl) * W / tpm)
  elseif limited then
    redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
    if redis.call('ZCARD', KEYS[3]) >= streams then refused, retry = 3, 1000 end
  end
  if refused == 0 then
    if rpm > 0 then rl = rl - 1; save(KEYS[1], rpm, rl) end
    if limited then
      redis.call('ZADD', KEYS[3], now + ttl, arg)
      redis.call('PEXPIRE', KEYS[3], ttl)
    end
  end
elseif op == 'charge' then
  if tpm > 0 then
    tl = math.max(0, tl - tonumber(arg))
    save(KEYS[2], tpm, tl)
  end
elseif op == 'release' then
  redis.call('ZREM', KEYS[3], arg)
end
local rr, rreset = report(rpm, rl)
local tr, treset = report(tpm, tl)
return {refused, retry, rr, rreset, tr, treset}
)lua";

std::string Sha1Hex(std::string_view text) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  std::string hex;
  for (unsigned char byte : digest) {
    char pair[3];
    std::snprintf(pair, sizeof(pair), "%02x", byte);
    hex += pair;
  }
  return hex;
}

std::int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct ReplyDeleter {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

timeval Millis(int ms) {
  return timeval{ms / 1000, (ms % 1000) * 1000};
}

}  // namespace

Result<RedisEndpoint> ParseRedisUrl(std::string_view url) {
  const auto bad = [&](std::string_view why) {
    return InvalidArgumentError("setting ratelimit.backend: '" + std::string(url) + "' " +
                                std::string(why) + " (expected redis://HOST:PORT)");
  };
  constexpr std::string_view kScheme = "redis://";
  if (!url.starts_with(kScheme)) return bad("is not a redis:// URL");
  std::string_view rest = url.substr(kScheme.size());
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  RedisEndpoint endpoint;
  std::string_view port_text;
  if (rest.starts_with('[')) {  // [IPv6]:port
    const size_t close = rest.find(']');
    if (close == std::string_view::npos) return bad("has an unclosed [");
    endpoint.host = std::string(rest.substr(1, close - 1));
    rest.remove_prefix(close + 1);
    if (!rest.empty() && rest.front() != ':') return bad("has text after ]");
    if (!rest.empty()) port_text = rest.substr(1);
  } else {
    const size_t colon = rest.find(':');
    endpoint.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) port_text = rest.substr(colon + 1);
  }
  if (endpoint.host.empty()) return bad("names no host");
  if (endpoint.host.find_first_of("/@?# ") != std::string::npos) return bad("has a bad host");
  if (!port_text.empty() || rest.ends_with(':')) {
    int port = 0;
    const auto [end, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port < 1 ||
        port > 65535) {
      return bad("has a bad port");
    }
    endpoint.port = port;
  }
  return endpoint;
}

RedisRateLimiter::RedisRateLimiter(RedisRateLimiterOptions options)
    : options_(std::move(options)), script_sha1_(Sha1Hex(kScript)) {}

RedisRateLimiter::~RedisRateLimiter() {
  for (redisContext* context : idle_) redisFree(context);
}

std::string RedisRateLimiter::Where() const {
  return "redis://" + options_.endpoint.host + ":" + std::to_string(options_.endpoint.port);
}

Result<redisContext*> RedisRateLimiter::Acquire() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      redisContext* context = idle_.back();
      idle_.pop_back();
      return context;
    }
  }
  if (NowMillis() < connect_blocked_until_ms_.load()) {
    return UnavailableError("rate-limit backend " + Where() + " is unreachable (retrying soon)");
  }
  redisContext* context = redisConnectWithTimeout(
      options_.endpoint.host.c_str(), options_.endpoint.port, Millis(options_.connect_timeout_ms));
  if (context == nullptr || context->err != 0) {
    const std::string why = context != nullptr ? context->errstr : "out of memory";
    if (context != nullptr) redisFree(context);
    connect_blocked_until_ms_.store(NowMillis() + options_.retry_connect_ms);
    return UnavailableError("cannot reach rate-limit backend " + Where() + ": " + why);
  }
  redisSetTimeout(context, Millis(options_.command_timeout_ms));
  return context;
}

void RedisRateLimiter::Return(redisContext* context) {
  std::lock_guard lock(mu_);
  if (idle_.size() < options_.max_idle_connections) {
    idle_.push_back(context);
  } else {
    redisFree(context);
  }
}

Result<std::vector<std::int64_t>> RedisRateLimiter::Run(std::string_view op,
                                                        std::string_view subject,
                                                        const RateLimits& limits,
                                                        std::string_view arg) {
  const std::string base = "citadel:rl:{" + std::string(subject) + "}:";
  const std::string args[] = {"EVALSHA",
                              script_sha1_,
                              "3",
                              base + "r",
                              base + "t",
                              base + "s",
                              std::string(op),
                              std::to_string(limits.requests_per_minute),
                              std::to_string(limits.tokens_per_minute),
                              std::to_string(limits.concurrent_streams),
                              std::string(arg),
                              std::to_string(options_.stream_lease_ttl_ms)};
  const char* argv[std::size(args)];
  size_t lengths[std::size(args)];
  for (size_t i = 0; i < std::size(args); ++i) {
    argv[i] = args[i].data();
    lengths[i] = args[i].size();
  }
  CITADEL_ASSIGN_OR_RETURN(redisContext * context, Acquire());
  const auto command = [&] {
    return ReplyPtr(static_cast<redisReply*>(
        redisCommandArgv(context, static_cast<int>(std::size(args)), argv, lengths)));
  };
  ReplyPtr reply = command();
  if (reply && reply->type == REDIS_REPLY_ERROR &&
      std::string_view(reply->str).starts_with("NOSCRIPT")) {
    argv[0] = "EVAL";  // first use on this server (or after SCRIPT FLUSH): send the text
    lengths[0] = 4;
    argv[1] = kScript;
    lengths[1] = sizeof(kScript) - 1;
    reply = command();
  }
  if (!reply) {
    const std::string why = context->errstr;
    redisFree(context);
    return UnavailableError("rate-limit backend " + Where() + ": " + why);
  }
  Return(context);
  if (reply->type == REDIS_REPLY_ERROR) {
    return UnavailableError("rate-limit backend " + Where() + " answered: " + reply->str);
  }
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 6) {
    return UnavailableError("rate-limit backend " + Where() + " gave an unexpected reply");
  }
  std::vector<std::int64_t> values;
  for (size_t i = 0; i < reply->elements; ++i) {
    if (reply->element[i]->type != REDIS_REPLY_INTEGER) {
      return UnavailableError("rate-limit backend " + Where() + " gave a non-integer reply");
    }
    values.push_back(reply->element[i]->integer);
  }
  return values;
}

namespace {

BucketReport Bucket(std::int64_t limit, std::int64_t remaining, std::int64_t reset_ms) {
  if (limit <= 0) return {};
  return {limit, remaining, reset_ms};
}

}  // namespace

Result<RateCheck> RedisRateLimiter::Admit(std::string_view subject, const RateLimits& limits,
                                          std::string_view stream_lease) {
  CITADEL_ASSIGN_OR_RETURN(const std::vector<std::int64_t> v,
                           Run("admit", subject, limits, stream_lease));
  RateCheck check;
  check.allowed = v[0] == 0;
  check.refused_by = v[0] == 1   ? RateLimitKind::kRequests
                     : v[0] == 2 ? RateLimitKind::kTokens
                     : v[0] == 3 ? RateLimitKind::kStreams
                                 : RateLimitKind::kNone;
  check.retry_after_ms = v[1];
  check.requests = Bucket(limits.requests_per_minute, v[2], v[3]);
  check.tokens = Bucket(limits.tokens_per_minute, v[4], v[5]);
  return check;
}

Result<BucketReport> RedisRateLimiter::ChargeTokens(std::string_view subject,
                                                    const RateLimits& limits, std::int64_t tokens) {
  if (limits.tokens_per_minute <= 0) return BucketReport{};
  CITADEL_ASSIGN_OR_RETURN(const std::vector<std::int64_t> v,
                           Run("charge", subject, limits, std::to_string(tokens)));
  return Bucket(limits.tokens_per_minute, v[4], v[5]);
}

Status RedisRateLimiter::ReleaseStream(std::string_view subject, std::string_view stream_lease) {
  if (stream_lease.empty()) return OkStatus();
  return Run("release", subject, {}, stream_lease).status();
}

}  // namespace citadel::security
