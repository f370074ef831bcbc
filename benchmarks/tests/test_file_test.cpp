// The benchmark files: created once per size with the pattern, never visible by name, so
// nothing is left behind however the program ends.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <vector>

#include "bench_command.h"
#include "child_process.h"
#include "pattern.h"
#include "temp_dir.h"
#include "test_file.h"

namespace sfb::bench {
namespace {

// The whole file, read back, holds the pattern from offset 0.
void expect_pattern(const bench_file& file) {
    std::vector<unsigned char> content(static_cast<std::size_t>(file.size()));
    ASSERT_EQ(::pread(file.fd(), content.data(), content.size(), 0),
              static_cast<ssize_t>(content.size()));
    std::vector<unsigned char> expected(content.size());
    fill_pattern(0, expected);
    EXPECT_EQ(content, expected);
}

TEST(file_store, CreatesEachSizeOnceWithThePattern) {
    temp_dir dir;
    file_store files(dir.path());
    std::string error;
    const bench_file* file = files.get(3 * 1024 * 1024 + 5, error);
    ASSERT_NE(file, nullptr) << error;
    EXPECT_EQ(files.get(3 * 1024 * 1024 + 5, error), file);
    EXPECT_TRUE(dir.entries().empty());
    expect_pattern(*file);
}

TEST(file_store, SmallWriteChunksGiveTheSameContent) {
    temp_dir dir;
    file_store files(dir.path(), 4096);
    std::string error;
    const bench_file* file = files.get(100'001, error);
    ASSERT_NE(file, nullptr) << error;
    expect_pattern(*file);
}

TEST(file_store, ReportsAnUnusableDirectory) {
    file_store files("/nonexistent-sfb-directory");
    std::string error;
    EXPECT_EQ(files.get(4096, error), nullptr);
    EXPECT_NE(error.find("cannot create"), std::string::npos) << error;
}

// The real program, interrupted with Ctrl-C's signal while it measures.
TEST(bench_sendfile, SigintDuringARunLeavesNoFile) {
    temp_dir dir;
    testing_support::child_process child(testing_support::bench_command(
        dir.path(), {"--sfb_paths=sendfile", "--sfb_file_sizes=1M", "--sfb_receiver=copy",
                     "--benchmark_min_time=60"}));
    // Wait until the file is open: the run is under way.
    bool running = false;
    for (int i = 0; i < 300 && !running; ++i) {
        running = testing_support::holds_file_in(child.pid(), dir.path());
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_TRUE(running) << "bench_sendfile never opened its file";
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    ASSERT_EQ(::kill(child.pid(), SIGINT), 0);
    const auto run = child.wait(std::chrono::seconds(10));
    ASSERT_FALSE(run.exited) << "exit status " << run.exit_code;
    EXPECT_EQ(run.signal, SIGINT);
    EXPECT_TRUE(dir.entries().empty());
}

}  // namespace
}  // namespace sfb::bench
