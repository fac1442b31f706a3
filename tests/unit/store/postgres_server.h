// PostgresServer: a real PostgreSQL server for tests and benchmarks, from
// Debian's postgresql package (/usr/lib/postgresql/*/bin, newest version).
//
// Start() runs initdb into a fresh temporary folder and starts `postgres`
// on its own free port on 127.0.0.1, with its Unix socket in that folder
// too, so it never meets a system server. PostgreSQL refuses to run as
// root: when this process is root, initdb and postgres run as the
// `postgres` user (else `nobody`) over a folder chowned to it. Readiness is
// polled with a deadline (PQping). The server is stopped, and its folder
// removed, when the object is destroyed; it is also told to quit if this
// process dies first (PR_SET_PDEATHSIG), so no test failure leaves one
// running. Durability settings are off (fsync) for speed: these tests are
// about the protocol and the schema, not the disk.
//
//   auto server = PostgresServer::Shared();   // one per process
//   auto url = (*server)->CreateDatabase("t1");  // postgresql://...:PORT/t1
//
// Thread-compatible: call from one thread (the test's main thread: the
// death signal follows the thread that started the server).
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>

#include "util/status.h"

namespace citadel::store::testing {

class PostgresServer {
 public:
  // Why PostgreSQL tests cannot run here (no server binaries), or nullopt.
  // The only reason a test may skip; any other start failure is an error.
  static std::optional<std::string> MissingBinaries();

  static Result<std::unique_ptr<PostgresServer>> Start();
  // Started on first use and stopped at process exit.
  static Result<PostgresServer*> Shared();

  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // Creates an empty UTF-8 database and returns its URL. `name`: letters,
  // digits and underscores only (InvalidArgument otherwise).
  Result<std::string> CreateDatabase(const std::string& name);
  // The URL of database `name` (not created).
  std::string UrlFor(const std::string& name) const;
  // Stops the server (fast shutdown: every client connection breaks) and
  // starts it again on the same port and data, ready when this returns.
  Status Restart();

  int port() const { return port_; }

 private:
  PostgresServer() = default;
  Status Init();
  Status Launch();
  Status WaitReady();
  void Stop();

  std::string bin_dir_;
  std::string root_;  // the temporary folder: data/, the socket, logs
  int port_ = 0;
  pid_t pid_ = -1;
  uid_t run_uid_ = 0;  // 0: this process's own user
  gid_t run_gid_ = 0;
};

}  // namespace citadel::store::testing
