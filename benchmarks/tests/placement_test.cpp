// CPU placement: parsing, the CPUs each placement gives, and that pinning really happens
// (sched_getcpu() read from inside the sending and the receiving thread).
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/socket.h>

#include <chrono>
#include <thread>
#include <vector>

#include "loopback.h"
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
    const std::vector all{placement::same, placement::split, placement::free};
    EXPECT_EQ(default_placements(2), all);
    EXPECT_EQ(default_placements(64), all);
    EXPECT_FALSE(placement_fits(placement::split, 1));
    EXPECT_TRUE(placement_fits(placement::split, 2));
    EXPECT_TRUE(placement_fits(placement::same, 1));
    EXPECT_TRUE(placement_fits(placement::free, 1));
}

TEST(placement, CpusPerConnection) {
    const auto same0 = placement_cpus(placement::same, 0, 4);
    EXPECT_EQ(same0.sender, 0);
    EXPECT_EQ(same0.receiver, 0);
    const auto same3 = placement_cpus(placement::same, 3, 2);
    EXPECT_EQ(same3.sender, 1);
    EXPECT_EQ(same3.receiver, 1);
    const auto split0 = placement_cpus(placement::split, 0, 2);
    EXPECT_EQ(split0.sender, 0);
    EXPECT_EQ(split0.receiver, 1);
    const auto split1 = placement_cpus(placement::split, 1, 4);
    EXPECT_EQ(split1.sender, 2);
    EXPECT_EQ(split1.receiver, 3);
    const auto split_wraps = placement_cpus(placement::split, 1, 2);
    EXPECT_EQ(split_wraps.sender, 0);
    EXPECT_EQ(split_wraps.receiver, 1);
    const auto free0 = placement_cpus(placement::free, 0, 2);
    EXPECT_EQ(free0.sender, -1);
    EXPECT_EQ(free0.receiver, -1);
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

}  // namespace
}  // namespace sfb::bench
