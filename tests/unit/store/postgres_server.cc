#include "postgres_server.h"

#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

namespace citadel::store::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kUser = "citadel";
constexpr auto kReadyTimeout = std::chrono::seconds(60);
constexpr auto kStopTimeout = std::chrono::seconds(20);
constexpr auto kPollPause = std::chrono::milliseconds(10);

// The newest /usr/lib/postgresql/N/bin holding initdb and postgres, or "".
std::string FindBinDir() {
  std::error_code error;
  std::string best;
  int best_version = -1;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", error)) {
    const fs::path bin = entry.path() / "bin";
    if (access((bin / "initdb").c_str(), X_OK) != 0) continue;
    if (access((bin / "postgres").c_str(), X_OK) != 0) continue;
    const int version = std::atoi(entry.path().filename().c_str());
    if (version > best_version) {
      best_version = version;
      best = bin.string();
    }
  }
  return best;
}

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  int port = 0;
  if (fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  if (fd >= 0) close(fd);
  return port;
}

std::string Tail(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  const std::string all = text.str();
  return all.size() > 2000 ? all.substr(all.size() - 2000) : all;
}

// Starts `argv` with stdout and stderr appended to `log_path`, as uid/gid
// when they are non-zero; with `die_with_parent` it gets SIGQUIT (immediate
// shutdown, for postgres) if this thread dies first.
Result<pid_t> Spawn(const std::vector<std::string>& argv, const std::string& log_path, uid_t uid,
                    gid_t gid, bool die_with_parent) {
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  const int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log < 0) return InternalError("cannot open " + log_path);
  const pid_t parent = getpid();
  const pid_t child = fork();
  if (child < 0) {
    close(log);
    return InternalError("fork failed");
  }
  if (child == 0) {
    // Async-signal-safe calls only until exec.
    dup2(log, STDOUT_FILENO);
    dup2(log, STDERR_FILENO);
    syscall(SYS_close_range, 3U, ~0U, 0U);  // no test pipe stays open in the server
    if (uid != 0 && (setgroups(0, nullptr) != 0 || setgid(gid) != 0 || setuid(uid) != 0)) {
      _exit(126);
    }
    // After setuid: a change of user clears the death signal.
    if (die_with_parent && (prctl(PR_SET_PDEATHSIG, SIGQUIT) != 0 || getppid() != parent)) {
      _exit(125);
    }
    execv(args[0], args.data());
    _exit(127);
  }
  close(log);
  return child;
}

// Waits for `pid` to exit until `deadline`; its wait status, or nullopt.
std::optional<int> WaitExit(pid_t pid, Clock::time_point deadline) {
  for (;;) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) return status;
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(kPollPause);
  }
}

bool ValidName(const std::string& name) {
  return !name.empty() && name.size() < 60 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

}  // namespace

std::optional<std::string> PostgresServer::MissingBinaries() {
  if (!FindBinDir().empty()) return std::nullopt;
  return "PostgreSQL tests skipped: no initdb/postgres under /usr/lib/postgresql/*/bin "
         "(install Debian's postgresql package: scripts/install-deps)";
}

Result<std::unique_ptr<PostgresServer>> PostgresServer::Start() {
  std::unique_ptr<PostgresServer> server(new PostgresServer());
  server->bin_dir_ = FindBinDir();
  if (server->bin_dir_.empty()) return FailedPreconditionError(*MissingBinaries());
  CITADEL_TRY(server->Init());
  // Another process may take the free port between the probe and the bind.
  Status started = OkStatus();
  for (int attempt = 0; attempt < 3; ++attempt) {
    server->port_ = FreePort();
    started = server->Launch();
    if (started.ok()) return server;
  }
  return started;
}

Result<PostgresServer*> PostgresServer::Shared() {
  static Result<std::unique_ptr<PostgresServer>> shared = Start();
  if (!shared.ok()) return shared.status();
  return shared->get();
}

Status PostgresServer::Init() {
  std::string pattern = (fs::temp_directory_path() / "citadel-pg-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) return InternalError("mkdtemp failed");
  root_ = pattern;
  if (geteuid() == 0) {
    const passwd* user = getpwnam("postgres");
    if (user == nullptr) user = getpwnam("nobody");
    if (user == nullptr) return FailedPreconditionError("running as root with no user to drop to");
    run_uid_ = user->pw_uid;
    run_gid_ = user->pw_gid;
    if (chown(root_.c_str(), run_uid_, run_gid_) != 0) {
      return InternalError("cannot chown " + root_);
    }
  }
  const std::string log = root_ + "/initdb.log";
  CITADEL_ASSIGN_OR_RETURN(const pid_t pid,
                           Spawn({bin_dir_ + "/initdb", "-D", root_ + "/data", "-U", kUser, "-A",
                                  "trust", "-E", "UTF8", "--no-locale", "--no-sync"},
                                 log, run_uid_, run_gid_, false));
  const std::optional<int> status = WaitExit(pid, Clock::now() + kReadyTimeout);
  if (!status || !WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
    if (!status) kill(pid, SIGKILL), waitpid(pid, nullptr, 0);
    return InternalError("initdb failed in " + root_ + ":\n" + Tail(log));
  }
  return OkStatus();
}

Status PostgresServer::Launch() {
  const std::string log = root_ + "/postgres.log";
  CITADEL_ASSIGN_OR_RETURN(
      pid_, Spawn({bin_dir_ + "/postgres", "-D", root_ + "/data", "-p", std::to_string(port_), "-c",
                   "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=" + root_, "-c",
                   "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c",
                   "max_connections=200", "-c", "shared_buffers=16MB"},
                  log, run_uid_, run_gid_, true));
  return WaitReady();
}

Status PostgresServer::WaitReady() {
  const std::string conninfo = "host=127.0.0.1 port=" + std::to_string(port_) +
                               " dbname=postgres user=" + kUser + " connect_timeout=5";
  const auto deadline = Clock::now() + kReadyTimeout;
  while (Clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return UnavailableError("postgres exited during start-up:\n" + Tail(root_ + "/postgres.log"));
    }
    if (PQping(conninfo.c_str()) == PQPING_OK) return OkStatus();
    std::this_thread::sleep_for(kPollPause);
  }
  Stop();
  return DeadlineExceededError("postgres not ready within 60 s:\n" + Tail(root_ + "/postgres.log"));
}

void PostgresServer::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGINT);  // fast shutdown: disconnect clients, checkpoint, exit
  if (!WaitExit(pid_, Clock::now() + kStopTimeout)) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  pid_ = -1;
}

Status PostgresServer::Restart() {
  Stop();
  return Launch();
}

PostgresServer::~PostgresServer() {
  Stop();
  std::error_code ignored;
  if (!root_.empty()) fs::remove_all(root_, ignored);
}

std::string PostgresServer::UrlFor(const std::string& name) const {
  return std::string("postgresql://") + kUser + "@127.0.0.1:" + std::to_string(port_) + "/" + name +
         "?sslmode=disable";
}

Result<std::string> PostgresServer::CreateDatabase(const std::string& name) {
  if (!ValidName(name)) return InvalidArgumentError("bad test database name '" + name + "'");
  PGconn* admin = PQconnectdb(UrlFor("postgres").c_str());
  std::string error;
  if (PQstatus(admin) != CONNECTION_OK) {
    error = PQerrorMessage(admin);
  } else {
    PGresult* result = PQexec(admin, ("CREATE DATABASE " + name).c_str());
    if (PQresultStatus(result) != PGRES_COMMAND_OK) error = PQresultErrorMessage(result);
    PQclear(result);
  }
  PQfinish(admin);
  if (!error.empty()) return InternalError("CREATE DATABASE " + name + ": " + error);
  return UrlFor(name);
}

}  // namespace citadel::store::testing
