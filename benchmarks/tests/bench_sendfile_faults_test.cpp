// The faults a hostile test of bench_sendfile found, each run the way it
// was found: the real program under `ulimit`-style limits, a file-size limit standing in for a
// full disk, SIGKILL, two file stores in one process (as in a PID namespace, where every run is
// PID 1), flags at the edge of their range, a directory path near PATH_MAX.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "bench_command.h"
#include "child_process.h"
#include "file_benchmark.h"
#include "options.h"
#include "send_session.h"
#include "temp_dir.h"
#include "test_file.h"

namespace sfb::bench {
namespace {

using namespace std::chrono_literals;
using testing_support::child_result;
using testing_support::child_setup;
using testing_support::run_child;

std::vector<std::string> bench_args(const temp_dir& dir, const std::vector<std::string>& extra) {
    return testing_support::bench_command(dir.path(), extra);
}

// The benchmarks of a complete JSON document on stdout (fails the test if it is not one, and
// then says how the child ended and what it wrote to stderr).
nlohmann::json benchmarks_of(const child_result& run) {
    const auto doc = nlohmann::json::parse(run.out, nullptr, false);
    EXPECT_FALSE(doc.is_discarded()) << "stdout is not complete JSON (exit " << run.exit_code
                                     << ", signal " << run.signal << "):\n"
                                     << run.out << "\nstderr:\n"
                                     << run.err;
    EXPECT_TRUE(doc.contains("benchmarks")) << run.out << "\nstderr:\n" << run.err;
    return doc.is_discarded() ? nlohmann::json::array()
                              : doc.value("benchmarks", nlohmann::json::array());
}

// Issue 13 item 1: SIGSEGV in the half-built session's destructor.
TEST(descriptor_limit, SessionOpenFailsWithAMessage) {
    temp_dir dir;
    file_store files(dir.path());
    std::string error;
    const bench_file* file = files.get(4096, error);
    ASSERT_NE(file, nullptr) << error;
    rlimit saved{};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
    rlimit lowered = saved;
    lowered.rlim_cur = std::min<rlim_t>(saved.rlim_cur, 256);
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &lowered), 0);
    // Use up every descriptor, so the loopback connection cannot be made.
    std::vector<unique_fd> hog;
    for (;;) {
        unique_fd fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
        if (!fd) {
            break;
        }
        hog.push_back(std::move(fd));
    }
    ASSERT_EQ(errno, EMFILE);
    hog.pop_back();  // one left: the listener opens, the sender does not
    session_config config{};
    auto session = send_session::open(config, *file, error);
    hog.clear();
    ::setrlimit(RLIMIT_NOFILE, &saved);
    EXPECT_EQ(session, nullptr);
    EXPECT_NE(error.find("Too many open files"), std::string::npos) << error;
}

TEST(descriptor_limit, SixDescriptorsFailTheBenchmarkNotTheProgram) {
    temp_dir dir;
    child_setup setup;
    setup.open_files = 6;
    const auto run = run_child(
        bench_args(dir, {"--sfb_paths=sendfile", "--sfb_receiver=discard", "--sfb_file_sizes=4K"}),
        setup);
    ASSERT_TRUE(run.exited) << "signal " << run.signal << "\n" << run.err;
    EXPECT_EQ(run.exit_code, 1) << run.err;
    const auto benchmarks = benchmarks_of(run);
    ASSERT_EQ(benchmarks.size(), 1U) << run.out;
    EXPECT_TRUE(benchmarks[0].value("error_occurred", false)) << run.out;
    EXPECT_TRUE(dir.entries().empty());
}

// The connections stop opening while descriptors are still free: UBSan's vptr check makes a
// pipe, and with no descriptor left it took a valid object for a bad one and ended the program
// (exit 1, the JSON cut after the context) in the ASan+UBSan build.
TEST(descriptor_limit, ManyConnectionsUnderALowLimit) {
    temp_dir dir;
    child_setup setup;
    setup.open_files = 200;
    const auto run = run_child(bench_args(dir, {"--sfb_paths=sendfile", "--sfb_receiver=discard",
                                                "--sfb_file_sizes=4K", "--sfb_connections=256"}),
                               setup);
    ASSERT_TRUE(run.exited) << "signal " << run.signal << "\n" << run.err;
    EXPECT_EQ(run.exit_code, 1) << run.err;
    const auto benchmarks = benchmarks_of(run);
    ASSERT_FALSE(benchmarks.empty()) << run.err;
    EXPECT_TRUE(benchmarks[0].value("error_occurred", false)) << run.out;
    EXPECT_NE(benchmarks[0].value("error_message", "").find("too few descriptors"),
              std::string::npos)
        << benchmarks[0];
    EXPECT_TRUE(dir.entries().empty());
}

// Issue 13 item 2: a failed benchmark exits 0. A file-size limit (1 MiB) makes writing the
// 2 MiB file fail with EFBIG, as a full disk fails it with ENOSPC; the 4 KiB file and the JSON
// outputs (the limit applies to them too) still fit.
TEST(exit_status, AFailedBenchmarkExitsOneAfterTheCompleteJson) {
    temp_dir dir;
    child_setup setup;
    setup.file_size = 1024 * 1024;
    const std::string out_file = dir.path() + "-out.json";
    const auto run =
        run_child(bench_args(dir, {"--sfb_paths=sendfile", "--sfb_receiver=discard",
                                   "--sfb_file_sizes=4K,2M", "--benchmark_out=" + out_file}),
                  setup);
    ASSERT_TRUE(run.exited) << "signal " << run.signal << "\n" << run.err;
    EXPECT_EQ(run.exit_code, 1) << run.err;
    const auto benchmarks = benchmarks_of(run);
    ASSERT_EQ(benchmarks.size(), 2U) << run.out;
    EXPECT_FALSE(benchmarks[0].value("error_occurred", false)) << benchmarks[0];
    EXPECT_TRUE(benchmarks[1].value("error_occurred", false)) << benchmarks[1];
    EXPECT_NE(benchmarks[1].value("error_message", "").find("File too large"), std::string::npos)
        << benchmarks[1];
    std::ifstream written(out_file);
    const auto file_doc = nlohmann::json::parse(written, nullptr, false);
    ::unlink(out_file.c_str());
    ASSERT_FALSE(file_doc.is_discarded());
    EXPECT_EQ(file_doc["benchmarks"].size(), 2U);
}

TEST(exit_status, EveryBenchmarkPassedExitsZero) {
    temp_dir dir;
    const auto run = run_child(
        bench_args(dir, {"--sfb_paths=sendfile", "--sfb_receiver=discard", "--sfb_file_sizes=4K"}));
    ASSERT_TRUE(run.exited) << "signal " << run.signal << "\n" << run.err;
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(benchmarks_of(run).size(), 1U);
}

// Issue 13 item 3: files that outlive the process.
TEST(leftovers, TheFileHasNoNameWhileItIsInUse) {
    temp_dir dir;
    file_store files(dir.path());
    std::string error;
    const bench_file* file = files.get(64 * 1024, error);
    ASSERT_NE(file, nullptr) << error;
    EXPECT_TRUE(dir.entries().empty());
    struct stat info {};
    ASSERT_EQ(::fstat(file->fd(), &info), 0);
    EXPECT_EQ(info.st_size, 64 * 1024);
    EXPECT_EQ(info.st_nlink, 0U);
}

// Inside a PID namespace every run is PID 1; two stores in one process model two such runs.
TEST(leftovers, TwoRunsWithTheSameProcessIdDoNotCollide) {
    temp_dir dir;
    file_store first(dir.path());
    file_store second(dir.path());
    std::string error;
    EXPECT_NE(first.get(4096, error), nullptr) << error;
    EXPECT_NE(second.get(4096, error), nullptr) << error;
}

TEST(leftovers, SigkillDuringARunLeavesNothing) {
    temp_dir dir;
    testing_support::child_process child(
        bench_args(dir, {"--sfb_paths=sendfile", "--sfb_file_sizes=1M", "--sfb_receiver=copy",
                         "--benchmark_min_time=60"}));
    bool running = false;
    for (int i = 0; i < 500 && !running; ++i) {
        running = testing_support::holds_file_in(child.pid(), dir.path());
        std::this_thread::sleep_for(20ms);
    }
    ASSERT_TRUE(running) << "bench_sendfile never opened its file";
    EXPECT_TRUE(dir.entries().empty());
    ASSERT_EQ(::kill(child.pid(), SIGKILL), 0);
    const auto run = child.wait(10s);
    EXPECT_EQ(run.signal, SIGKILL);
    EXPECT_TRUE(dir.entries().empty());
}

// Issue 13 item 4: flags at the edge of their range.
TEST(bad_flags, InjectedCpuMustBeAFiniteBoundedNumber) {
    for (const char* flag :
         {"--sfb_inject_cpu_us=sendfile:inf", "--sfb_inject_cpu_us=sendfile:nan",
          "--sfb_inject_cpu_us=sendfile:-1", "--sfb_inject_cpu_us=sendfile:1e300"}) {
        std::string arg = flag;
        char* argv[] = {const_cast<char*>("bench_sendfile"), arg.data(), nullptr};
        int argc = 2;
        suite_options options;
        std::string error;
        EXPECT_FALSE(parse_suite_flags(argc, argv, options, error)) << flag;
        EXPECT_NE(error.find("USEC"), std::string::npos) << flag << ": " << error;
    }
    temp_dir dir;
    const auto run = run_child(bench_args(dir, {"--sfb_inject_cpu_us=sendfile:inf"}), {}, 10s);
    ASSERT_TRUE(run.exited) << "signal " << run.signal << (run.timed_out ? " (timed out)" : "");
    EXPECT_EQ(run.exit_code, 2);
}

TEST(bad_flags, PinNearIntMaxWithTwoConnectionsStaysInRange) {
    const long long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
    for (const int connection : {0, 1, 2, 3, 255}) {
        const long long expected = (static_cast<long long>(INT_MAX) + connection) % cpus;
        EXPECT_EQ(cpu_for(INT_MAX, connection), expected) << connection;
    }
    EXPECT_EQ(cpu_for(-1, 3), -1);
}

TEST(bad_flags, ADirectoryPathNearPathMaxWorks) {
    temp_dir dir;
    std::string path = dir.path();
    const std::string component(200, 'd');
    // Components of 200 characters, then a last one that brings the path to 8 short of
    // PATH_MAX: no file name fits below it, an unnamed file does.
    while (path.size() < PATH_MAX - 8) {
        const std::size_t room = PATH_MAX - 8 - path.size() - 1;
        path += "/" + component.substr(0, std::clamp<std::size_t>(room, 1, component.size()));
        ASSERT_EQ(::mkdir(path.c_str(), 0700), 0) << path.size();
    }
    std::string error;
    {
        file_store files(path);
        EXPECT_NE(files.get(4096, error), nullptr) << error;
    }
    while (path.size() > dir.path().size()) {
        ::rmdir(path.c_str());
        path.resize(path.rfind('/'));
    }
}

}  // namespace
}  // namespace sfb::bench
