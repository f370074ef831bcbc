// CPU placement: parsing, the CPUs each placement gives, and that pinning really happens
// (sched_getcpu() read from inside the sending and the receiving thread).
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/socket.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "cpu_meter.h"
#include "loopback.h"
#include "options.h"
#include "placement.h"

namespace sfb::bench {
namespace {

TEST(placement, NamesParseBack) {
    for (const placement p : {placement::same, placement::split, placement::free}) {
        EXPECT_EQ(parse_placement(placement_name(p)), p);
    }
    EXPECT_EQ(placement_name(placement::same), "same");
    EXPECT_EQ(placement_name(placement::split), "split");
    EXPECT_EQ(placement_name(placement::free), "free");
    EXPECT_FALSE(parse_placement("Same"));
    EXPECT_FALSE(parse_placement(""));
    EXPECT_FALSE(parse_placement("pinned"));
}

TEST(placement, DefaultPlanCoversWhatTheCpusAllow) {
    EXPECT_EQ(default_placements(1), std::vector{placement::same});
    // free only when asked: the pinned two are the answer, free mostly repeats one of them.
    const std::vector pinned{placement::same, placement::split};
    EXPECT_EQ(default_placements(2), pinned);
    EXPECT_EQ(default_placements(64), pinned);
    EXPECT_FALSE(placement_fits(placement::split, 1));
    EXPECT_TRUE(placement_fits(placement::split, 2));
    EXPECT_TRUE(placement_fits(placement::same, 1));
    EXPECT_TRUE(placement_fits(placement::free, 1));
}

TEST(placement, CpusPerConnection) {
    struct expected_cpus {
        placement how;
        int connection;
        int cpus;
        int sender;
        int receiver;
    };
    const std::vector<expected_cpus> cases{
        {placement::same, 0, 4, 0, 0},   {placement::same, 3, 2, 1, 1},
        {placement::split, 0, 2, 0, 1},  {placement::split, 1, 4, 2, 3},
        {placement::split, 1, 2, 0, 1},  // wraps
        {placement::free, 0, 2, -1, -1},
    };
    for (const expected_cpus& c : cases) {
        SCOPED_TRACE(std::string(placement_name(c.how)) + " connection " +
                     std::to_string(c.connection) + " of " + std::to_string(c.cpus) + " cpus");
        const auto cpus = placement_cpus(c.how, c.connection, c.cpus);
        EXPECT_EQ(cpus.sender, c.sender);
        EXPECT_EQ(cpus.receiver, c.receiver);
    }
}

TEST(cpu_trace, CountsChangesNotTheFirstSample) {
    cpu_trace trace;
    EXPECT_EQ(trace.last(), -1);
    trace.sample();
    EXPECT_GE(trace.last(), 0);
    EXPECT_EQ(trace.changes(), 0U);
    // Pinned to each CPU in turn, the thread must be seen moving.
    const int cpus = online_cpus();
    if (cpus < 2) {
        GTEST_SKIP() << "one CPU: a thread cannot move";
    }
    std::thread([&] {
        cpu_trace moving;
        for (int round = 0; round < 2; ++round) {
            for (int cpu = 0; cpu < 2; ++cpu) {
                cpu_set_t set;
                CPU_ZERO(&set);
                CPU_SET(static_cast<unsigned>(cpu), &set);
                ASSERT_EQ(::pthread_setaffinity_np(::pthread_self(), sizeof set, &set), 0);
                moving.sample();
                EXPECT_EQ(moving.last(), cpu);
            }
        }
        EXPECT_EQ(moving.changes(), 3U);
    }).join();
}

TEST(placement_record, SharesAndMigrations) {
    cpu_trace receiver;
    placement_record record;
    receiver.sample();
    record.start(receiver);
    EXPECT_EQ(record.same_cpu_share(), 0.0);
    record.end_pass(receiver);
    EXPECT_EQ(record.same_cpu_share(), record.sender_cpu() == receiver.last() ? 1.0 : 0.0);
    EXPECT_EQ(record.migrations(receiver), 0U);
}

// Sends `passes` x `bytes` from the calling thread and returns the CPUs the sender saw.
std::vector<int> send_and_sample(int sender_fd, std::size_t bytes, int passes) {
    std::vector<int> seen;
    const std::vector<char> data(bytes, 'x');
    for (int pass = 0; pass < passes; ++pass) {
        std::size_t sent = 0;
        while (sent < data.size()) {
            const ssize_t n = ::send(sender_fd, data.data() + sent, data.size() - sent, 0);
            if (n <= 0) {
                return seen;
            }
            sent += static_cast<std::size_t>(n);
            seen.push_back(::sched_getcpu());
        }
    }
    return seen;
}

// The real sender and receiver threads of a loopback connection end up where a placement
// puts them: the sender checks sched_getcpu() itself, the receiver thread records it on
// every recv() (loopback_receiver::cpus()).
void expect_placement_applied(placement p) {
    const int cpus = online_cpus();
    if (!placement_fits(p, cpus)) {
        GTEST_SKIP() << "needs two CPUs";
    }
    const thread_cpus where = placement_cpus(p, 0, cpus);
    std::thread sender([&] {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(static_cast<unsigned>(where.sender), &set);
        ASSERT_EQ(::pthread_setaffinity_np(::pthread_self(), sizeof set, &set), 0);
        std::string error;
        connection conn = connect_loopback(transport::tcp4, {}, error);
        ASSERT_TRUE(conn.sender) << error;
        constexpr std::size_t bytes = 1 << 20;
        constexpr int passes = 8;
        receiver_config config;
        config.mode = receive_mode::copy;
        config.cpu = where.receiver;
        loopback_receiver receiver(std::move(conn.receiver), config);
        const auto seen = send_and_sample(conn.sender.get(), bytes, passes);
        ASSERT_TRUE(receiver.wait_for_total(bytes * passes, std::chrono::seconds(10)))
            << receiver.error();
        ASSERT_FALSE(seen.empty());
        for (const int cpu : seen) {
            EXPECT_EQ(cpu, where.sender);
        }
        EXPECT_EQ(receiver.cpus().last(), where.receiver);
        EXPECT_EQ(receiver.cpus().changes(), 0U);
        ::shutdown(conn.sender.get(), SHUT_WR);
        EXPECT_TRUE(receiver.finish(std::chrono::seconds(10))) << receiver.error();
    });
    sender.join();
}

TEST(placement, SameIsAppliedToBothThreads) {
    expect_placement_applied(placement::same);
}

TEST(placement, SplitIsAppliedToBothThreads) {
    expect_placement_applied(placement::split);
}

// --sfb_placement and --sfb_sampling as bench_sendfile parses them.
bool parse(std::vector<std::string> args, suite_options& options, std::string& error) {
    args.insert(args.begin(), "bench");
    std::vector<char*> argv;
    for (auto& arg : args) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    int argc = static_cast<int>(args.size());
    return parse_suite_flags(argc, argv.data(), options, error);
}

TEST(placement_flags, ListsAreParsedAndBadOnesRefused) {
    suite_options options;
    std::string error;
    ASSERT_TRUE(parse({"--sfb_placement=same,free", "--sfb_sampling=false"}, options, error))
        << error;
    EXPECT_EQ(options.placements, (std::vector{placement::same, placement::free}));
    EXPECT_FALSE(options.sampling);
    EXPECT_EQ(planned_placements(options), (std::vector{placement::same, placement::free}));

    suite_options bad;
    EXPECT_FALSE(parse({"--sfb_placement=same,sideways"}, bad, error));
    EXPECT_NE(error.find("same, split and/or free"), std::string::npos) << error;
    suite_options both;
    EXPECT_FALSE(parse({"--sfb_placement=split", "--sfb_pin=0,1"}, both, error));
    EXPECT_NE(error.find("give one of them"), std::string::npos) << error;
}

TEST(placement_flags, DefaultAndPinnedPlans) {
    suite_options defaults;
    std::string error;
    ASSERT_TRUE(parse({}, defaults, error)) << error;
    EXPECT_TRUE(defaults.sampling);
    EXPECT_EQ(planned_placements(defaults), default_placements(online_cpus()));
    suite_options same_cpu;
    ASSERT_TRUE(parse({"--sfb_pin=1,1"}, same_cpu, error)) << error;
    EXPECT_EQ(planned_placements(same_cpu), std::vector{placement::same});
    suite_options two_cpus;
    ASSERT_TRUE(parse({"--sfb_pin=0,1"}, two_cpus, error)) << error;
    EXPECT_EQ(planned_placements(two_cpus), std::vector{placement::split});
}

TEST(placement_flags, EachPlacementIsANameSegment) {
    suite_options options;
    std::string error;
    ASSERT_TRUE(parse({"--sfb_paths=sendfile", "--sfb_receiver=copy", "--sfb_file_sizes=1M",
                       "--sfb_placement=same,free"},
                      options, error))
        << error;
    std::vector<std::string> left_out;
    const auto cases = plan_benchmarks(options, left_out);
    ASSERT_EQ(cases.size(), 2U);
    EXPECT_EQ(cases[0].name(),
              "sendfile/tcp4/copy/warm/file:1048576/block:65536/conns:1/placement:same");
    EXPECT_EQ(cases[1].name(),
              "sendfile/tcp4/copy/warm/file:1048576/block:65536/conns:1/placement:free");
    EXPECT_EQ(cases[1].where, placement::free);
}

// Runs bench_sendfile with `flags` and returns its JSON output.
std::string run_bench(const std::string& flags) {
    const std::string command = std::string(SFB_BENCH_EXECUTABLE) +
                                " --benchmark_format=json --benchmark_min_time=0.01 "
                                "--sfb_paths=sendfile --sfb_receiver=copy --sfb_file_sizes=1M "
                                "--sfb_dir=/tmp " +
                                flags + " 2>/dev/null";
    std::string out;
    if (std::FILE* pipe = ::popen(command.c_str(), "r")) {
        char buffer[4096];
        while (const std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) {
            out.append(buffer, n);
        }
        EXPECT_EQ(::pclose(pipe), 0) << command;
    }
    return out;
}

// The value of counter `counter` in the JSON entry of the benchmark whose name contains
// `name`; NaN when absent.
double counter_of(const std::string& json, const std::string& name, const std::string& counter) {
    const auto at = json.find(name);
    if (at == std::string::npos) {
        return std::nan("");
    }
    const auto end = json.find('}', at);
    const std::string entry = json.substr(at, end - at);
    std::smatch match;
    if (!std::regex_search(entry, match, std::regex("\"" + counter + "\": ([-+0-9.eE]+)"))) {
        return std::nan("");
    }
    return std::stod(match[1]);
}

TEST(placement_in_bench_sendfile, PinnedPlacementsShowInTheCounters) {
    if (online_cpus() < 2) {
        GTEST_SKIP() << "needs two CPUs";
    }
    const std::string json = run_bench("--sfb_placement=same,split,free");
    EXPECT_NE(json.find("\"placement\": \"same,split,free\""), std::string::npos);
    // Pinned: every pass ends with both threads where the placement put them, none moves.
    EXPECT_EQ(counter_of(json, "placement:same", "same_cpu_share"), 1.0);
    EXPECT_EQ(counter_of(json, "placement:same", "migrations"), 0.0);
    EXPECT_EQ(counter_of(json, "placement:split", "same_cpu_share"), 0.0);
    EXPECT_EQ(counter_of(json, "placement:split", "migrations"), 0.0);
    // Free: a share, whatever the scheduler chose.
    const double share = counter_of(json, "placement:free", "same_cpu_share");
    EXPECT_GE(share, 0.0);
    EXPECT_LE(share, 1.0);
    for (const char* counter : {"pass_median_us", "pass_bimodal"}) {
        EXPECT_FALSE(std::isnan(counter_of(json, "placement:free", counter))) << counter;
    }
    // other_cpu_us needs the nanosecond system-wide source; steal_us, /proc/stat's alone, is
    // never written.
    EXPECT_EQ(std::isnan(counter_of(json, "placement:free", "other_cpu_us")),
              !system_cpu_usage_path().has_value());
    EXPECT_TRUE(std::isnan(counter_of(json, "placement:free", "steal_us")));
    // The context says which source the system-wide counters came from, or why they are absent.
    const std::string source = system_cpu_usage_path()
                                   ? "\"system_cpu_source\": \"" + *system_cpu_usage_path() + " ("
                                   : std::string("\"system_cpu_source\": \"none: ");
    EXPECT_NE(json.find(source), std::string::npos) << source;
    EXPECT_LE(counter_of(json, "placement:free", "pass_min_us"),
              counter_of(json, "placement:free", "pass_max_us"));
}

TEST(placement_in_bench_sendfile, SamplingOffLeavesTheCountersOut) {
    const std::string json = run_bench("--sfb_placement=same --sfb_sampling=false");
    EXPECT_NE(json.find("\"sampling\": \"off\""), std::string::npos);
    EXPECT_FALSE(std::isnan(counter_of(json, "placement:same", "receiver_cpu_us")));
    for (const char* counter : {"other_cpu_us", "migrations", "same_cpu_share", "pass_median_us"}) {
        EXPECT_TRUE(std::isnan(counter_of(json, "placement:same", counter))) << counter;
    }
}

}  // namespace
}  // namespace sfb::bench
