// The CPU meters' sources: parsing /proc/stat, mountinfo and cpuacct.usage (malformed input
// refused, never a crash), the system-wide meter's nanosecond steps, and other_cpu_us against a
// real CPU hog.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>
#include <thread>

#include "cpu_meter.h"
#include "interference.h"

extern char** environ;

namespace sfb::bench {
namespace {

TEST(interference, ParsesTheStealColumn) {
    const auto t = parse_system_times("cpu  100 2 30 5000 7 4 5 11 0 0\n");
    ASSERT_TRUE(t);
    EXPECT_EQ(t->busy, 100U + 2 + 30 + 4 + 5);
    EXPECT_EQ(t->softirq, 5U);
    EXPECT_EQ(t->steal, 11U);
    // Before Linux 2.6.11 the line ends after softirq: no steal.
    const auto old = parse_system_times("cpu  1 2 3 4 5 6 7\n");
    ASSERT_TRUE(old);
    EXPECT_EQ(old->steal, 0U);
    EXPECT_FALSE(parse_system_times("cpu0 1 2 3 4 5 6 7 8\n"));
    EXPECT_FALSE(parse_system_times("intr 1 2 3"));
    EXPECT_TRUE(read_system_times());
}

TEST(cpu_source, FindsTheRootCpuacctHierarchyInMountinfo) {
    EXPECT_EQ(parse_cpuacct_mount("32 30 0:29 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup "
                                  "cgroup rw,cpuacct\n"),
              "/sys/fs/cgroup/cpuacct");
    // systemd mounts cpu and cpuacct together, with optional fields before the separator.
    EXPECT_EQ(parse_cpuacct_mount("27 24 0:24 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:9 "
                                  "master:2 - cgroup cgroup rw,cpu,cpuacct"),
              "/sys/fs/cgroup/cpu,cpuacct");
    EXPECT_EQ(parse_cpuacct_mount("1 2 0:9 / /mnt/my\\040cgroups rw - cgroup cg rw,cpuacct"),
              "/mnt/my cgroups");
}

TEST(cpu_source, RefusesOtherAndMalformedMountinfoLines) {
    // A container's view: the root of the mount is its own cgroup, not the machine's.
    EXPECT_FALSE(
        parse_cpuacct_mount("32 30 0:29 /docker/abc /sys/fs/cgroup/cpuacct rw - cgroup "
                            "cgroup rw,cpuacct"));
    // cgroup v2 (its root cpu.stat counts ticks), another controller, a near-miss option.
    EXPECT_FALSE(
        parse_cpuacct_mount("40 30 0:37 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw"));
    EXPECT_FALSE(parse_cpuacct_mount("31 30 0:28 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu"));
    EXPECT_FALSE(
        parse_cpuacct_mount("31 30 0:28 / /x rw - cgroup cgroup rw,name=cpuacctx,cpuacct_y"));
    for (const char* bad :
         {"", "\n", "32 30 0:29 /", "32 30 0:29 / /x rw -", "32 30 0:29 / /x rw - cgroup",
          "32 30 0:29 / /x rw - cgroup cgroup", "- cgroup cgroup rw,cpuacct",
          "32 30 0:29 / /x\\04 rw - cgroup c cpuacct",
          "32 30 0:29 / /x\\089 rw - cgroup c cpuacct"}) {
        EXPECT_FALSE(parse_cpuacct_mount(bad)) << bad;
    }
}

TEST(cpu_source, ParsesCpuacctUsageAndRefusesAnythingElse) {
    EXPECT_EQ(parse_cpuacct_usage("31912443527366\n"), 31912443527366U);
    EXPECT_EQ(parse_cpuacct_usage("0"), 0U);
    EXPECT_EQ(parse_cpuacct_usage("18446744073709551615\n"), 18446744073709551615U);
    for (const char* bad : {"", "\n", "-1\n", "+1", " 1", "12a\n", "1 2\n", "1\n\n", "0x10",
                            "18446744073709551616"}) {
        EXPECT_FALSE(parse_cpuacct_usage(bad)) << '"' << bad << '"';
    }
}

// Where the machine has the source, the meter moves by what a thread burns, to well under a
// 10 ms tick: 2 ms of this thread's CPU reads as at least that, and not in whole milliseconds.
TEST(cpu_source, SystemMeterCountsNanoseconds) {
    if (!system_cpu_usage_path()) {
        GTEST_SKIP() << "no root cpuacct cgroup here (cgroup v2 only, or a container)";
    }
    ASSERT_TRUE(read_system_cpu_ns());
    system_cpu_meter meter;
    meter.start();
    burn_thread_cpu(2000);
    meter.stop();
    ASSERT_TRUE(meter.valid());
    EXPECT_GE(meter.busy_us(), 1900.0);
    EXPECT_NE(std::fmod(meter.busy_us(), 1000.0), 0.0) << meter.busy_us();
}

// A CPU-bound shell loop, bounded by timeout(1) so it never outlives the test, ended by pid.
class cpu_hog {
  public:
    cpu_hog() {
        const char* argv[] = {"timeout", "20", "sh", "-c", "while :; do :; done", nullptr};
        if (::posix_spawnp(&pid_, "timeout", nullptr, nullptr, const_cast<char**>(argv), environ) !=
            0) {
            pid_ = -1;
        }
    }
    ~cpu_hog() {
        if (pid_ > 0) {
            ::kill(pid_, SIGTERM);
            int status = 0;
            ::waitpid(pid_, &status, 0);
        }
    }
    cpu_hog(const cpu_hog&) = delete;
    cpu_hog& operator=(const cpu_hog&) = delete;
    bool started() const noexcept { return pid_ > 0; }

  private:
    pid_t pid_ = -1;
};

constexpr double kWindowUs = 1e6;

// other_cpu_us over one window in which this process sleeps a second (or burns half a
// second of its own CPU), as a share of the window's wall time: how many CPUs' worth other
// processes used.
double other_cpus_over_window(bool burn_own) {
    interference_meter meter;
    const auto started = std::chrono::steady_clock::now();
    meter.start();
    if (burn_own) {
        burn_thread_cpu(kWindowUs / 2);
    } else {
        std::this_thread::sleep_for(std::chrono::microseconds(static_cast<long>(kWindowUs)));
    }
    meter.stop();
    const double wall_us =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - started)
            .count();
    EXPECT_TRUE(meter.valid());
    // Never more than every CPU for the whole window (plus a task charged a tick late per CPU).
    const double cpus = static_cast<double>(::sysconf(_SC_NPROCESSORS_ONLN));
    EXPECT_LE(meter.other_cpu_us(), cpus * (wall_us + 1e4));
    return meter.other_cpu_us() / wall_us;
}

TEST(interference, SeesARealHogAndNotItself) {
    if (!system_cpu_usage_path()) {
        GTEST_SKIP() << "no root cpuacct cgroup here (cgroup v2 only, or a container)";
    }
    const double cpus = static_cast<double>(::sysconf(_SC_NPROCESSORS_ONLN));
    const double quiet = other_cpus_over_window(false);
    const double own = other_cpus_over_window(true);
    double hogged = 0.0;
    {
        cpu_hog hog;
        ASSERT_TRUE(hog.started());
        std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let the loop start
        hogged = other_cpus_over_window(false);
    }
    std::printf("other processes' CPUs over 1 s: quiet %.3f, own burn %.3f, with a hog %.3f\n",
                quiet, own, hogged);
    // The hog is always runnable, so it holds at least half a CPU even when a parallel
    // build shares the machine.
    EXPECT_GT(hogged, 0.5);
    // Near zero without it, unless the machine is busy anyway: then the hog must still add
    // what the idle CPU time left room for. (On a machine already saturated by other work
    // there is no room, and only the floor above can be checked.)
    const double room = std::max(0.0, cpus - quiet);
    if (room >= 0.75) {
        EXPECT_TRUE(hogged > 5.0 * quiet || hogged > quiet + 0.5)
            << "quiet " << quiet << " hogged " << hogged;
    }
    // This process's own CPU is not interference: a thread burning a full CPU must not show
    // up beyond what the rest of the machine was doing anyway.
    EXPECT_LT(own, quiet + 0.5);
}

}  // namespace
}  // namespace sfb::bench
