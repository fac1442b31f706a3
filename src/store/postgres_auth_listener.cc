#include "store/postgres_auth_listener.h"

#include <libpq-fe.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <charconv>
#include <cstring>

namespace citadel::store {
namespace {

constexpr int kReconnectWaitMs = 100;
constexpr int kConnectTimeoutS = 2;  // then try again: a hung attempt must not stall the watch

}  // namespace

std::string PostgresAuthListener::NotifyStatement() {
  return std::string("SELECT pg_notify('") + kChannel +
         "', (SELECT value FROM citadel_meta WHERE name = 'auth_epoch')::text)";
}

PostgresAuthListener::PostgresAuthListener(PostgresTarget target) : target_(std::move(target)) {
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  thread_ = std::thread([this] { Run(); });
}

PostgresAuthListener::~PostgresAuthListener() {
  stopping_.store(true);
  const std::uint64_t one = 1;
  if (wake_fd_ >= 0) (void)!write(wake_fd_, &one, sizeof(one));
  if (thread_.joinable()) thread_.join();
  if (wake_fd_ >= 0) close(wake_fd_);
}

std::optional<std::int64_t> PostgresAuthListener::epoch() const {
  if (!listening_.load(std::memory_order_acquire)) return std::nullopt;
  return epoch_.load(std::memory_order_acquire);
}

void PostgresAuthListener::Advance(std::int64_t value) {
  std::int64_t seen = epoch_.load(std::memory_order_relaxed);
  while (value > seen && !epoch_.compare_exchange_weak(seen, value)) {
  }
}

bool PostgresAuthListener::Wait(int socket, int timeout_ms) const {
  pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {socket, POLLIN, 0}};
  (void)poll(fds, socket >= 0 ? 2 : 1, timeout_ms);
  return !stopping_.load();
}

void PostgresAuthListener::Run() {
  while (!stopping_.load()) {
    ListenOnce();
    listening_.store(false, std::memory_order_release);
    if (!Wait(-1, kReconnectWaitMs)) return;
  }
}

void PostgresAuthListener::ListenOnce() {
  Result<pg_conn*> connected = ConnectPostgres(target_, kConnectTimeoutS);
  if (!connected.ok()) return;
  pg_conn* connection = *connected;
  const std::string listen = std::string("LISTEN ") + kChannel;
  // Listen first, then read: a change committed between the two is heard.
  auto current = RunPostgres(connection, target_, listen, {});
  if (current.ok()) {
    current = RunPostgres(connection, target_,
                          "SELECT value FROM citadel_meta WHERE name = 'auth_epoch'", {});
  }
  if (!current.ok() || current->empty()) {
    ClosePostgres(connection);
    return;
  }
  // Values only grow, but a database recreated under the same URL starts over.
  epoch_.store(AsInt((*current)[0][0]), std::memory_order_release);
  listening_.store(true, std::memory_order_release);
  while (Wait(PQsocket(connection), -1)) {
    if (PQconsumeInput(connection) == 0 || PQstatus(connection) != CONNECTION_OK) break;
    while (PGnotify* notify = PQnotifies(connection)) {
      std::int64_t value = 0;
      const char* payload = notify->extra == nullptr ? "" : notify->extra;
      const auto parsed = std::from_chars(payload, payload + std::strlen(payload), value);
      if (parsed.ec == std::errc()) Advance(value);
      PQfreemem(notify);
    }
  }
  listening_.store(false, std::memory_order_release);
  ClosePostgres(connection);
}

}  // namespace citadel::store
