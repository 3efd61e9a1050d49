#include "proc_stats.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/magic.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

namespace messenger::bench {
namespace {

TEST(ProcStats, TheGeneratorReadsItsOwnProcess) {
  const int self = static_cast<int>(::getpid());
  EXPECT_TRUE(process_cpu_ns(self).has_value());
  ASSERT_TRUE(process_rss_bytes(self).has_value());
  EXPECT_GT(*process_rss_bytes(self), 0);
  ASSERT_TRUE(process_storage_write_bytes(self).has_value());
  EXPECT_GE(*process_storage_write_bytes(self), 0);
}

TEST(ProcStats, StorageWritesCountTheFilePagesAProcessDirties) {
  const std::string path = "proc_stats_test." + std::to_string(::getpid()) + ".bin";
  struct statfs fs {};
  ASSERT_EQ(::statfs(".", &fs), 0);
  if (fs.f_type == TMPFS_MAGIC) GTEST_SKIP() << "a tmpfs dirties no storage pages";
  const int self = static_cast<int>(::getpid());
  const auto before = process_storage_write_bytes(self);
  ASSERT_TRUE(before.has_value());
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  const std::string block(256 * 1024, 'x');
  EXPECT_EQ(::write(fd, block.data(), block.size()), static_cast<ssize_t>(block.size()));
  ::fsync(fd);
  ::close(fd);
  ::unlink(path.c_str());
  const auto after = process_storage_write_bytes(self);
  ASSERT_TRUE(after.has_value());
  EXPECT_GE(*after - *before, static_cast<std::int64_t>(block.size()));
}

TEST(ProcStats, AProcessThatIsGoneHasNoFigures) {
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) ::_exit(0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  const int gone = static_cast<int>(child);
  EXPECT_FALSE(process_cpu_ns(gone).has_value());
  EXPECT_FALSE(process_rss_bytes(gone).has_value());
  EXPECT_FALSE(process_storage_write_bytes(gone).has_value());
}

}  // namespace
}  // namespace messenger::bench
