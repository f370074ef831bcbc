// The benchmark files: created once per size with the pattern, removed at the end, and
// removed when the program is interrupted.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <vector>

#include "pattern.h"
#include "temp_dir.h"
#include "test_file.h"

extern char** environ;

namespace sfb::bench {
namespace {

TEST(file_store, CreatesEachSizeOnceWithThePattern) {
    temp_dir dir;
    file_store files(dir.path());
    std::string error;
    const bench_file* file = files.get(3 * 1024 * 1024 + 5, error);
    ASSERT_NE(file, nullptr) << error;
    EXPECT_EQ(files.get(3 * 1024 * 1024 + 5, error), file);
    EXPECT_EQ(dir.entries().size(), 1U);
    std::vector<unsigned char> content(static_cast<std::size_t>(file->size()));
    ASSERT_EQ(::pread(file->fd(), content.data(), content.size(), 0),
              static_cast<ssize_t>(content.size()));
    std::vector<unsigned char> expected(content.size());
    fill_pattern(0, expected);
    EXPECT_EQ(content, expected);
}

TEST(file_store, SmallWriteChunksGiveTheSameContent) {
    temp_dir dir;
    file_store files(dir.path(), 4096);
    std::string error;
    const bench_file* file = files.get(100'001, error);
    ASSERT_NE(file, nullptr) << error;
    std::vector<unsigned char> content(static_cast<std::size_t>(file->size()));
    ASSERT_EQ(::pread(file->fd(), content.data(), content.size(), 0),
              static_cast<ssize_t>(content.size()));
    std::vector<unsigned char> expected(content.size());
    fill_pattern(0, expected);
    EXPECT_EQ(content, expected);
}

TEST(file_store, RemovesItsFilesWhenDestroyed) {
    temp_dir dir;
    {
        file_store files(dir.path());
        std::string error;
        ASSERT_NE(files.get(4096, error), nullptr) << error;
        ASSERT_NE(files.get(8192, error), nullptr) << error;
        EXPECT_EQ(dir.entries().size(), 2U);
    }
    EXPECT_TRUE(dir.entries().empty());
}

TEST(file_store, ReportsAnUnusableDirectory) {
    file_store files("/nonexistent-sfb-directory");
    std::string error;
    EXPECT_EQ(files.get(4096, error), nullptr);
    EXPECT_NE(error.find("cannot create"), std::string::npos) << error;
}

TEST(file_store, SigintRemovesTheFilesAndStillKills) {
    temp_dir dir;
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        file_store files(dir.path());
        file_store::install_signal_cleanup();
        std::string error;
        if (files.get(64 * 1024, error) == nullptr || files.get(4096, error) == nullptr) {
            ::_exit(3);
        }
        ::raise(SIGINT);
        ::_exit(4);  // not reached: SIGINT's default action ends the process
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status)) << "exit status " << WEXITSTATUS(status);
    EXPECT_EQ(WTERMSIG(status), SIGINT);
    EXPECT_TRUE(dir.entries().empty());
}

// The real program, interrupted with Ctrl-C's signal while it measures.
TEST(bench_sendfile, SigintDuringARunLeavesNoFile) {
    temp_dir dir;
    const std::string dir_flag = "--sfb_dir=" + dir.path();
    std::vector<std::string> args{SFB_BENCH_EXECUTABLE,   dir_flag,
                                  "--sfb_paths=sendfile", "--sfb_file_sizes=1M",
                                  "--sfb_receiver=copy",  "--benchmark_min_time=60"};
    std::vector<char*> argv;
    for (auto& arg : args) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    pid_t child = 0;
    ASSERT_EQ(::posix_spawn(&child, argv[0], &actions, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    // Wait until the file exists: the run is under way.
    for (int i = 0; i < 300 && dir.entries().empty(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_FALSE(dir.entries().empty()) << "bench_sendfile never created its file";
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    ASSERT_EQ(::kill(child, SIGINT), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status)) << "exit status " << WEXITSTATUS(status);
    EXPECT_EQ(WTERMSIG(status), SIGINT);
    EXPECT_TRUE(dir.entries().empty());
}

}  // namespace
}  // namespace sfb::bench
