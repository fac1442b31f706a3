// Crash safety: a child process creates users and keys in a loop and reports
// each one after its commit returned; it is killed with SIGKILL at random
// moments, 50 times. Every reported row must be there afterwards and the
// file must pass PRAGMA integrity_check.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "store/sqlite_database.h"
#include "store/store_url.h"
#include "test_databases.h"

namespace citadel::store::testing {
namespace {

// The child: never returns. Writes "U name\n" / "K prefix\n" after each commit.
[[noreturn]] void CreateForever(const std::string& url, int round, int fd) {
  auto store = OpenStore(url);
  if (!store.ok()) _exit(2);
  for (int i = 0;; ++i) {
    const std::string tag = std::to_string(round) + "x" + std::to_string(i);
    auto user = (*store)->CreateUser({"u" + tag, "crash " + tag, Role::kUser, "", 1});
    if (!user.ok()) _exit(3);
    const std::string user_line = "U u" + tag + "\n";
    if (write(fd, user_line.data(), user_line.size()) < 0) _exit(4);
    NewApiKey key;
    key.name = "k" + tag;
    key.owner_user_id = user->id;
    key.prefix = "P" + tag;
    key.hash_hex = std::string(40, 'c') + tag;
    key.scopes = {"chat"};
    key.created_at = 1;
    if (!(*store)->CreateKey(key).ok()) _exit(5);
    const std::string key_line = "K P" + tag + "\n";
    if (write(fd, key_line.data(), key_line.size()) < 0) _exit(6);
  }
}

TEST(CrashTest, RowsReportedCommittedSurviveSigkill) {
  ScratchDir dir;
  const std::string url = "sqlite:" + (dir.path() / "citadel.db").string();
  ASSERT_TRUE(OpenStore(url).ok());
  std::mt19937 rng(14);
  std::set<std::string> users, keys;
  for (int round = 0; round < 50; ++round) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      close(fds[0]);
      CreateForever(url, round, fds[1]);
    }
    close(fds[1]);
    // Kill after a random number of reported commits (0..6), i.e. at a
    // random point of the next transaction.
    const int wait_for = static_cast<int>(rng() % 7);
    std::string reported;
    char buffer[256];
    while (std::count(reported.begin(), reported.end(), '\n') < wait_for) {
      const ssize_t n = read(fds[0], buffer, sizeof(buffer));
      if (n <= 0) break;
      reported.append(buffer, n);
    }
    // Then a random 0-2 ms more, so the kill lands anywhere in the next
    // transaction (before BEGIN, mid-statement, inside COMMIT's fsync).
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 2000));
    kill(child, SIGKILL);
    for (ssize_t n; (n = read(fds[0], buffer, sizeof(buffer))) > 0;) reported.append(buffer, n);
    close(fds[0]);
    int status = 0;
    waitpid(child, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited by itself with " << WEXITSTATUS(status);
    std::istringstream lines(reported);
    std::string kind, name;
    while (lines >> kind >> name) (kind == "U" ? users : keys).insert(name);
  }
  auto store = OpenStore(url);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  for (const std::string& name : users) EXPECT_TRUE((*store)->FindUser(name).ok()) << name;
  for (const std::string& prefix : keys) {
    EXPECT_EQ((*store)->FindKeysByPrefix(prefix)->size(), 1u) << prefix;
  }
  EXPECT_GT(users.size(), 20u);
  auto db = SqliteDatabase::Open((dir.path() / "citadel.db").string());
  ASSERT_TRUE(db.ok());
  std::string integrity;
  ASSERT_TRUE((*db)
                  ->Read([&](SqlSession& session) -> Status {
                    CITADEL_ASSIGN_OR_RETURN(auto rows, session.Query("PRAGMA integrity_check"));
                    integrity = AsText(rows.at(0)[0]);
                    return OkStatus();
                  })
                  .ok());
  EXPECT_EQ(integrity, "ok");
}

}  // namespace
}  // namespace citadel::store::testing
