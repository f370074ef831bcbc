// Per-thread perf_event_open counters (thread_counters.h) on real threads. The hardware set
// needs a PMU, which the development machine lacks: there it must give a reason and no
// counters. The task-clock set goes through the same open, enable, read and close code, so it
// stands in for the hardware one in the counting tests.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <future>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "bench_command.h"
#include "child_process.h"
#include "cpu_meter.h"
#include "file_benchmark.h"
#include "temp_dir.h"
#include "thread_counters.h"

namespace sfb::bench {
namespace {

// Whether this is an x86 machine whose kernel lists no CPU PMU (a VM without a virtual PMU,
// like the development machine): there the hardware events cannot open.
bool x86_without_pmu() {
#if defined(__x86_64__) || defined(__i386__)
    struct stat info {};
    return ::stat("/sys/bus/event_source/devices/cpu", &info) != 0 &&
           ::stat("/sys/bus/event_source/devices/cpu_core", &info) != 0;
#else
    return false;
#endif
}

// Task-clock nanoseconds a thread that opened its counters counted while `work` ran on it,
// read from this (another) thread before and after, as the sender reads the receiver's.
double task_clock_ns_of(void (*work)()) {
    std::promise<const thread_counters*> opened;
    std::promise<void> go;
    std::promise<void> done;
    std::promise<void> leave;
    std::thread worker([&] {
        const thread_counters counters = thread_counters::open(thread_counter_set::task_clock);
        opened.set_value(&counters);
        go.get_future().wait();
        work();
        done.set_value();
        leave.get_future().wait();
    });
    const thread_counters* counters = opened.get_future().get();
    EXPECT_TRUE(counters->active()) << counters->reason();
    const auto before = counters->read();
    go.set_value();
    done.get_future().wait();
    const auto after = counters->read();
    leave.set_value();
    worker.join();
    if (!before || !after) {
        ADD_FAILURE() << "the counters could not be read";
        return -1.0;
    }
    EXPECT_EQ(after->size, 1U);
    const auto counted = counted_between(*before, *after);
    if (!counted) {
        ADD_FAILURE() << "the group never ran";
        return -1.0;
    }
    return (*counted)[0];
}

TEST(thread_counters, TaskClockCountsTheCpuTimeABusyThreadBurns) {
    const double ns = task_clock_ns_of([] { burn_thread_cpu(20'000); });
    EXPECT_GE(ns, 15e6);
    EXPECT_LT(ns, 1e9);
}

TEST(thread_counters, TaskClockOfASleepingThreadIsNearZero) {
    const double ns =
        task_clock_ns_of([] { std::this_thread::sleep_for(std::chrono::milliseconds(20)); });
    EXPECT_GE(ns, 0.0);
    EXPECT_LT(ns, 2e6);
}

TEST(thread_counters, HardwareOpensBothEventsOrSaysWhyNot) {
    const thread_counters counters = thread_counters::open(thread_counter_set::hardware);
    if (counters.active()) {
        EXPECT_TRUE(counters.reason().empty());
        const auto counts = counters.read();
        ASSERT_TRUE(counts);
        EXPECT_EQ(counts->size, 2U);
        return;
    }
    EXPECT_FALSE(counters.read());
    EXPECT_EQ(counters.reason().rfind("hardware events unavailable (perf_event_open: ", 0), 0U)
        << counters.reason();
    if (x86_without_pmu()) {
        EXPECT_NE(counters.reason().find("no PMU"), std::string::npos) << counters.reason();
    }
    std::cout << "hardware counters here: " << counters.reason() << "\n";
}

TEST(thread_counters, OffOpensNothing) {
    const long before = open_descriptors();
    const thread_counters counters = thread_counters::open(thread_counter_set::off);
    EXPECT_EQ(open_descriptors(), before);
    EXPECT_FALSE(counters.active());
    EXPECT_TRUE(counters.reason().empty());
    EXPECT_FALSE(counters.read());
}

TEST(thread_counters, ClosesItsDescriptorsWhenDestroyed) {
    const long before = open_descriptors();
    {
        const thread_counters counters = thread_counters::open(thread_counter_set::task_clock);
        ASSERT_TRUE(counters.active()) << counters.reason();
        EXPECT_EQ(open_descriptors(), before + 1);
    }
    EXPECT_EQ(open_descriptors(), before);
}

TEST(counted_between, ScalesAMultiplexedIntervalByEnabledOverRunning) {
    thread_counts from{2, {100, 1000}, 10, 10};
    thread_counts to{2, {300, 2000}, 30, 20};  // enabled 20 ns, running 10 ns
    const auto counted = counted_between(from, to);
    ASSERT_TRUE(counted);
    EXPECT_DOUBLE_EQ((*counted)[0], 400.0);
    EXPECT_DOUBLE_EQ((*counted)[1], 2000.0);
    to.time_enabled = to.time_running = 20;  // never multiplexed: exact
    EXPECT_DOUBLE_EQ((*counted_between(from, to))[0], 200.0);
    to.time_running = from.time_running;  // never on the PMU: nothing to scale
    EXPECT_FALSE(counted_between(from, to));
    EXPECT_FALSE(counted_between(thread_counts{1, {1, 0}, 1, 1}, thread_counts{2, {2, 2}, 2, 2}));
}

TEST(thread_counter_set, NamesRoundTrip) {
    for (const auto set :
         {thread_counter_set::hardware, thread_counter_set::task_clock, thread_counter_set::off}) {
        EXPECT_EQ(parse_thread_counter_set(thread_counter_set_name(set)), set);
    }
    EXPECT_EQ(thread_counter_set_name(thread_counter_set::task_clock), "task-clock");
    EXPECT_FALSE(parse_thread_counter_set("task_clock"));
    EXPECT_FALSE(parse_thread_counter_set(""));
}

// bench_sendfile with the thread counters: a tiny plan (one path, one copy receiver, a
// 256 KiB file), its JSON and exit status.
struct bench_run {
    int exit_code = -1;
    std::string err;
    nlohmann::json doc;
};

bench_run run_bench(const std::vector<std::string>& extra) {
    temp_dir dir;
    std::vector<std::string> args{"--sfb_paths=sendfile", "--sfb_receiver=copy",
                                  "--sfb_file_sizes=256K"};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto run = testing_support::run_child(testing_support::bench_command(dir.path(), args));
    return {run.exited ? run.exit_code : -1, run.err,
            nlohmann::json::parse(run.out, nullptr, false)};
}

constexpr const char* kHardwareCounters[] = {"instructions_per_pass", "cycles_per_pass",
                                             "receiver_instructions_per_pass",
                                             "receiver_cycles_per_pass"};

TEST(bench_thread_counters, TaskClockRecordsTheSenderAndTheReceiver) {
    const bench_run run = run_bench({"--sfb_thread_counters=task-clock"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    ASSERT_FALSE(run.doc.is_discarded());
    EXPECT_EQ(run.doc["context"].value("thread_counters", ""), "task-clock");
    const auto& b = run.doc["benchmarks"][0];
    EXPECT_GT(b.value("task_clock_us", 0.0), 0.0) << b.dump();
    const double receiver = b.value("receiver_task_clock_us", 0.0);
    EXPECT_GT(receiver, 0.0) << b.dump();
    // The receiver thread's CPU clock and its task clock count the same run time but for
    // interrupt time and the edges of each context switch.
    const double cpu = b.value("receiver_cpu_us", 0.0);
    EXPECT_GT(receiver, cpu / 2) << b.dump();
    EXPECT_LT(receiver, cpu * 2) << b.dump();
    for (const char* name : kHardwareCounters) {
        EXPECT_FALSE(b.contains(name)) << name;
    }
}

// The default is the hardware set: on the development machine, without a PMU, the context
// says why and no benchmark has a hardware counter (never a zero).
TEST(bench_thread_counters, DefaultRunHasHardwareCountersOrSaysWhyNot) {
    const bench_run run = run_bench({});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    ASSERT_FALSE(run.doc.is_discarded());
    const std::string recorded = run.doc["context"].value("thread_counters", "");
    const auto& b = run.doc["benchmarks"][0];
    EXPECT_FALSE(b.contains("task_clock_us"));
    if (recorded == "hardware") {
        for (const char* name : kHardwareCounters) {
            EXPECT_GT(b.value(name, 0.0), 0.0) << name;
        }
        return;
    }
    EXPECT_EQ(recorded.rfind("none: hardware events unavailable (perf_event_open: ", 0), 0U)
        << recorded;
    if (x86_without_pmu()) {
        EXPECT_NE(recorded.find("no PMU"), std::string::npos) << recorded;
    }
    for (const char* name : kHardwareCounters) {
        EXPECT_FALSE(b.contains(name)) << name;
    }
}

TEST(bench_thread_counters, OffRecordsNoneAndSaysSo) {
    const bench_run run = run_bench({"--sfb_thread_counters=off"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    ASSERT_FALSE(run.doc.is_discarded());
    EXPECT_EQ(run.doc["context"].value("thread_counters", ""), "none: --sfb_thread_counters=off");
    EXPECT_FALSE(run.doc["benchmarks"][0].contains("task_clock_us"));
}

TEST(bench_thread_counters, AnUnknownSetExitsTwoNamingIt) {
    const bench_run run = run_bench({"--sfb_thread_counters=cycles"});
    EXPECT_EQ(run.exit_code, 2);
    EXPECT_NE(run.err.find("--sfb_thread_counters=cycles: expected hardware, task-clock or off"),
              std::string::npos)
        << run.err;
}

}  // namespace
}  // namespace sfb::bench
