// The suite's flags and the benchmark list they select.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "bench_command.h"
#include "child_process.h"
#include "options.h"
#include "placement.h"
#include "temp_dir.h"

namespace sfb::bench {
namespace {

struct argv_builder {
    explicit argv_builder(std::vector<std::string> args) : storage(std::move(args)) {
        for (auto& arg : storage) {
            pointers.push_back(arg.data());
        }
        pointers.push_back(nullptr);
        argc = static_cast<int>(storage.size());
    }
    std::vector<std::string> storage;
    std::vector<char*> pointers;
    int argc = 0;
};

TEST(parse_size, TakesBytesAndBinarySuffixes) {
    EXPECT_EQ(parse_size("4096"), 4096U);
    EXPECT_EQ(parse_size("64K"), 65536U);
    EXPECT_EQ(parse_size("64KiB"), 65536U);
    EXPECT_EQ(parse_size("1M"), 1048576U);
    EXPECT_EQ(parse_size("1G"), 1073741824U);
    EXPECT_EQ(parse_size("file"), 0U);
    EXPECT_FALSE(parse_size("12Q"));
    EXPECT_FALSE(parse_size("-1"));
    EXPECT_FALSE(parse_size(""));
}

TEST(parse_suite_flags, TakesItsFlagsOutAndLeavesGooglesAlone) {
    argv_builder args({"bench", "--benchmark_filter=x", "--sfb_paths=sendfile,splice",
                       "--sfb_file_sizes=4K,1M", "--sfb_block_sizes=4K,file", "--sfb_verify",
                       "--sfb_pin=0,1", "--sfb_connections=1,2", "--sfb_transport=unix",
                       "--sfb_cache=cold", "--sfb_sndbuf=64K", "--sfb_nodelay", "--sfb_cork",
                       "--sfb_inject_cpu_us=sendfile:50", "--sfb_write_chunk=4K",
                       "--benchmark_repetitions=3"});
    suite_options options;
    std::string error;
    ASSERT_TRUE(parse_suite_flags(args.argc, args.pointers.data(), options, error)) << error;
    ASSERT_EQ(args.argc, 3);
    EXPECT_STREQ(args.pointers[1], "--benchmark_filter=x");
    EXPECT_STREQ(args.pointers[2], "--benchmark_repetitions=3");
    EXPECT_EQ(args.pointers[3], nullptr);
    EXPECT_EQ(options.paths, (std::vector{path_id::sendfile, path_id::splice}));
    EXPECT_EQ(options.file_sizes, (std::vector<std::uint64_t>{4096, 1 << 20}));
    EXPECT_EQ(options.block_sizes, (std::vector<std::uint64_t>{4096, 0}));
    EXPECT_TRUE(options.verify);
    EXPECT_EQ(options.receivers, std::vector{receive_mode::copy});  // verify's default
    EXPECT_EQ(options.sender_cpu, 0);
    EXPECT_EQ(options.receiver_cpu, 1);
    EXPECT_EQ(options.connections, (std::vector{1, 2}));
    EXPECT_EQ(options.transports, std::vector{transport::unix_stream});
    EXPECT_EQ(options.caches, std::vector{cache_mode::cold});
    EXPECT_EQ(options.sndbuf, 65536);
    EXPECT_TRUE(options.nodelay);
    EXPECT_TRUE(options.cork);
    EXPECT_EQ(options.inject_cpu_us.at(path_id::sendfile), 50.0);
    EXPECT_EQ(options.write_chunk, 4096U);
}

TEST(parse_suite_flags, RefusesWhatItCannotHonour) {
    for (const char* bad :
         {"--sfb_nonsense=1", "--sfb_paths=sendfile,teleport", "--sfb_file_sizes=0", "--sfb_pin=1",
          "--sfb_connections=0", "--sfb_receiver=maybe", "--sfb_inject_cpu_us=sendfile",
          "--sfb_verify=perhaps", "--sfb_write_chunk=1"}) {
        argv_builder args({"bench", bad});
        suite_options options;
        std::string error;
        EXPECT_FALSE(parse_suite_flags(args.argc, args.pointers.data(), options, error)) << bad;
        EXPECT_FALSE(error.empty()) << bad;
    }
}

// The sending sockets' congestion control is taken by name (cubic unless told): one the kernel
// lacks is refused before any benchmark runs, naming it and where the available ones are listed.
TEST(parse_suite_flags, TcpCongestionIsANameTheKernelHas) {
    {
        argv_builder args({"bench"});
        suite_options options;
        std::string error;
        ASSERT_TRUE(parse_suite_flags(args.argc, args.pointers.data(), options, error)) << error;
        EXPECT_EQ(options.congestion, "cubic");
    }
    for (const char* good : {"reno", "system"}) {
        const std::string flag = std::string("--sfb_tcp_congestion=") + good;
        argv_builder args({"bench", flag.c_str()});
        suite_options options;
        std::string error;
        ASSERT_TRUE(parse_suite_flags(args.argc, args.pointers.data(), options, error)) << error;
        EXPECT_EQ(options.congestion, good);
    }
    for (const char* bad : {"--sfb_tcp_congestion=no_such_cc", "--sfb_tcp_congestion=Cubic!",
                            "--sfb_tcp_congestion=", "--sfb_tcp_congestion=abcdefghijklmnop"}) {
        argv_builder args({"bench", bad});
        suite_options options;
        std::string error;
        EXPECT_FALSE(parse_suite_flags(args.argc, args.pointers.data(), options, error)) << bad;
        EXPECT_NE(error.find("--sfb_tcp_congestion"), std::string::npos) << error;
    }
    argv_builder args({"bench", "--sfb_tcp_congestion=no_such_cc"});
    suite_options options;
    std::string error;
    EXPECT_FALSE(parse_suite_flags(args.argc, args.pointers.data(), options, error));
    EXPECT_NE(error.find("no_such_cc"), std::string::npos) << error;
    EXPECT_NE(error.find("tcp_available_congestion_control"), std::string::npos) << error;
}

// The program exits 2 for a congestion control the kernel lacks, before it runs anything.
TEST(parse_suite_flags, UnknownCongestionControlExitsTwo) {
    temp_dir dir;
    const auto run = testing_support::run_child(
        testing_support::bench_command(dir.path(), {"--sfb_tcp_congestion=no_such_cc"}));
    ASSERT_TRUE(run.exited) << run.err;
    EXPECT_EQ(run.exit_code, 2) << run.err;
    EXPECT_NE(run.err.find("--sfb_tcp_congestion=no_such_cc"), std::string::npos) << run.err;
}

// Each number is refused with its value named, rather than read as something else: a block
// of 0 is not 'file', a CPU beyond this machine's is not taken modulo the CPU count, and a
// socket buffer above the kernel's cap is not silently capped.
TEST(parse_suite_flags, NumbersOutOfRangeAreRefusedWithTheirValue) {
    const std::string beyond_cpus = "--sfb_pin=0," + std::to_string(online_cpus());
    std::ifstream wmem("/proc/sys/net/core/wmem_max");
    unsigned long long wmem_max = 0;
    wmem >> wmem_max;
    ASSERT_GT(wmem_max, 0U);
    const std::string above_cap = "--sfb_sndbuf=" + std::to_string(wmem_max + 1);
    for (const std::string& bad :
         {std::string("--sfb_block_sizes=0"), std::string("--sfb_block_sizes=4K,0"), beyond_cpus,
          std::string("--sfb_pin=0,4294967296"), std::string("--sfb_pin=-1,0"),
          std::string("--sfb_file_sizes=2048G"), std::string("--sfb_mtu=65536"),
          std::string("--sfb_connections=257"), std::string("--sfb_sndbuf=2G"), above_cap}) {
        argv_builder args({"bench", bad});
        suite_options options;
        std::string error;
        EXPECT_FALSE(parse_suite_flags(args.argc, args.pointers.data(), options, error)) << bad;
        const std::string value = bad.substr(bad.find('=') + 1);
        EXPECT_NE(error.find(value), std::string::npos) << bad << ": " << error;
    }
}

TEST(parse_suite_flags, MessagesEscapeTheBytesTheyQuote) {
    argv_builder args({"bench", "--sfb_paths=\x1b[31m\xff" + std::string(5000, 'x')});
    suite_options options;
    std::string error;
    ASSERT_FALSE(parse_suite_flags(args.argc, args.pointers.data(), options, error));
    EXPECT_NE(error.find("\\x1b[31m\\xff"), std::string::npos) << error;
    EXPECT_EQ(error.find('\x1b'), std::string::npos);
    EXPECT_LT(error.size(), 400U);
}

TEST(parse_suite_flags, VerifyWithADiscardReceiverIsRefused) {
    argv_builder args({"bench", "--sfb_verify", "--sfb_receiver=discard"});
    suite_options options;
    std::string error;
    EXPECT_FALSE(parse_suite_flags(args.argc, args.pointers.data(), options, error));
    EXPECT_NE(error.find("MSG_TRUNC"), std::string::npos) << error;
}

suite_options parsed(std::vector<std::string> flags) {
    flags.insert(flags.begin(), "bench");
    argv_builder args(std::move(flags));
    suite_options options;
    std::string error;
    EXPECT_TRUE(parse_suite_flags(args.argc, args.pointers.data(), options, error)) << error;
    return options;
}

// The plan for `flags` and what it left out, with the reasons.
struct plan {
    std::vector<benchmark_case> cases;
    std::vector<std::string> left_out;
};

plan planned(std::vector<std::string> flags) {
    plan p;
    p.cases = plan_benchmarks(parsed(std::move(flags)), p.left_out);
    return p;
}

TEST(plan_benchmarks, DefaultPlanHasEveryPathAndTheOriginalsAtThreeBlocks) {
    const auto [cases, left_out] = planned({});
    // 3 original paths x 3 blocks x 2 receivers + the others x 2 receivers + every path on the
    // small file, each in the default placements (same, and split from two CPUs: 48 x 2).
    const std::size_t paths = all_paths.size();
    EXPECT_EQ(cases.size(),
              (3 * 3 * 2 + (paths - 3) * 2 + paths) * default_placements(online_cpus()).size());
    EXPECT_TRUE(left_out.empty());
    const std::regex name(
        R"(^[a-z_]+/(tcp4|tcp6|unix)/(copy|discard)/(warm|cold)/file:\d+/block:\d+/conns:\d+)"
        R"(/placement:(same|split|free)$)");
    for (const path_id p : all_paths) {
        EXPECT_TRUE(std::any_of(cases.begin(), cases.end(), [&](const benchmark_case& c) {
            return c.path == p;
        })) << path_name(p);
    }
    for (const auto& c : cases) {
        EXPECT_TRUE(std::regex_match(c.name(), name)) << c.name();
    }
    EXPECT_EQ(cases.front().name(),
              "read_write/tcp4/discard/warm/file:67108864/block:4096/conns:1/placement:same");
}

TEST(plan_benchmarks, FullSweepCoversFourKibToOneGib) {
    const auto [cases, left_out] = planned(
        {"--sfb_full", "--sfb_paths=sendfile", "--sfb_receiver=discard", "--sfb_placement=free"});
    // Files 4K, 16K, ..., 1G (10 sizes); for the k-th, k blocks from 4K up to the whole file.
    EXPECT_EQ(cases.size(), 55U);
    EXPECT_EQ(cases.front().file_size, 4096U);
    EXPECT_EQ(cases.back().file_size, 1ULL << 30);
    EXPECT_EQ(cases.back().block, 1ULL << 30);
}

TEST(plan_benchmarks, WholeFileBlockAndClampedBlocks) {
    const auto [cases, left_out] =
        planned({"--sfb_paths=read_send", "--sfb_receiver=copy", "--sfb_file_sizes=64K",
                 "--sfb_block_sizes=16K,1M,file", "--sfb_placement=free"});
    ASSERT_EQ(cases.size(), 2U);  // 1M and "file" both become the 64K whole file
    EXPECT_EQ(cases[0].block, 16384U);
    EXPECT_EQ(cases[1].block, 65536U);
}

TEST(plan_benchmarks, DiscardOverUnixIsLeftOutWithAReason) {
    const auto [cases, left_out] = planned({"--sfb_paths=sendfile", "--sfb_transport=tcp4,unix",
                                            "--sfb_file_sizes=1M", "--sfb_placement=same"});
    EXPECT_EQ(cases.size(), 3U);  // tcp4 discard, tcp4 copy, unix copy
    ASSERT_EQ(left_out.size(), 1U);
    EXPECT_NE(left_out[0].find("MSG_TRUNC"), std::string::npos);
}

TEST(plan_benchmarks, ConnectionsAreInTheName) {
    const auto [cases, left_out] =
        planned({"--sfb_paths=sendfile", "--sfb_receiver=copy", "--sfb_file_sizes=1M",
                 "--sfb_connections=1,4", "--sfb_placement=free"});
    ASSERT_EQ(cases.size(), 2U);
    EXPECT_EQ(cases[1].name(),
              "sendfile/tcp4/copy/warm/file:1048576/block:65536/conns:4/placement:free");
}

}  // namespace
}  // namespace sfb::bench
