// SQLite specifics: the pragmas the store relies on, and files that cannot
// be used (not a database, damaged, read-only) give a clear start-up error.
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "store/sqlite_database.h"
#include "store/store_url.h"
#include "test_databases.h"

namespace citadel::store::testing {
namespace {

std::string QueryText(SqlDatabase& db, const std::string& sql) {
  std::string value;
  Status status = db.Read([&](SqlSession& session) -> Status {
    CITADEL_ASSIGN_OR_RETURN(auto rows, session.Query(sql));
    value = rows.empty() ? "" : AsText(rows[0][0]);
    return OkStatus();
  });
  EXPECT_TRUE(status.ok()) << status.ToString();
  return value;
}

TEST(SqliteFileTest, OpensInWalWithForeignKeysAndCreatesItsFolder) {
  ScratchDir dir;
  const std::string path = (dir.path() / "nested" / "data" / "citadel.db").string();
  auto store = OpenStore("sqlite:" + path);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto db = SqliteDatabase::Open(path);
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(QueryText(**db, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(QueryText(**db, "PRAGMA foreign_keys"), "1");
  EXPECT_EQ(QueryText(**db, "PRAGMA synchronous"), "2");  // FULL
  EXPECT_EQ(QueryText(**db, "PRAGMA busy_timeout"), "5000");
}

TEST(SqliteFileTest, AFileThatIsNotADatabaseIsAClearError) {
  ScratchDir dir;
  const std::string path = (dir.path() / "citadel.db").string();
  std::ofstream(path) << std::string(8192, 'G') << "this is not SQLite";
  auto store = OpenStore("sqlite:" + path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(store.status().message().find(path), std::string::npos) << store.status().message();
  EXPECT_NE(store.status().message().find("not a valid SQLite database"), std::string::npos);
}

TEST(SqliteFileTest, ADamagedDatabaseIsAClearError) {
  ScratchDir dir;
  const std::string path = (dir.path() / "citadel.db").string();
  {
    auto store = OpenStore("sqlite:" + path);
    ASSERT_TRUE(store.ok());
    for (int i = 0; i < 50; ++i) {
      ASSERT_TRUE(
          (*store)
              ->CreateUser({"u" + std::to_string(i), std::string(500, 'd'), Role::kUser, "", 1})
              .ok());
    }
  }
  // Checkpointed into the main file by the last close; now overwrite its pages.
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  file.seekp(4096);
  const std::string garbage(4096 * 3, '\x5a');
  file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  file.close();
  auto store = OpenStore("sqlite:" + path);
  Status status = store.ok() ? (*store)->ListUsers().status() : store.status();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kDataLoss) << status.ToString();
  EXPECT_NE(status.message().find("damaged"), std::string::npos) << status.message();
}

TEST(SqliteFileTest, AFolderWhereTheFileShouldBeIsAClearError) {
  ScratchDir dir;
  const std::string path = (dir.path() / "citadel.db").string();
  std::filesystem::create_directories(path);
  auto store = OpenStore("sqlite:" + path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition) << store.status().ToString();
  EXPECT_NE(store.status().message().find(path), std::string::npos) << store.status().message();
}

// Opens the store as an unprivileged user when running as root (root may
// write any file), else directly after making the file read-only.
TEST(SqliteFileTest, AReadOnlyFileIsAClearError) {
  ScratchDir dir;
  const std::string path = (dir.path() / "citadel.db").string();
  ASSERT_TRUE(OpenStore("sqlite:" + path).ok());
  if (geteuid() != 0) {
    std::filesystem::permissions(path, std::filesystem::perms::owner_read);
    auto store = OpenStore("sqlite:" + path);
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
    EXPECT_NE(store.status().message().find("read-only"), std::string::npos);
    return;
  }
  const passwd* nobody = getpwnam("nobody");
  if (nobody == nullptr) GTEST_SKIP() << "running as root and no user 'nobody' to drop to";
  std::filesystem::permissions(dir.path(), std::filesystem::perms::all);  // folder readable
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(pipe_fds[0]);
    if (setgid(nobody->pw_gid) != 0 || setuid(nobody->pw_uid) != 0) _exit(3);
    auto store = OpenStore("sqlite:" + path);
    const std::string report = store.ok() ? "opened" : store.status().ToString();
    (void)!write(pipe_fds[1], report.data(), report.size());
    _exit(store.ok() ? 1 : 0);
  }
  close(pipe_fds[1]);
  std::string report;
  char buffer[512];
  for (ssize_t n; (n = read(pipe_fds[0], buffer, sizeof(buffer))) > 0;) report.append(buffer, n);
  close(pipe_fds[0]);
  int wait_status = 0;
  waitpid(child, &wait_status, 0);
  ASSERT_TRUE(WIFEXITED(wait_status));
  EXPECT_EQ(WEXITSTATUS(wait_status), 0) << report;
  EXPECT_NE(report.find("FailedPrecondition"), std::string::npos) << report;
  EXPECT_NE(report.find("read-only"), std::string::npos) << report;
}

}  // namespace
}  // namespace citadel::store::testing
