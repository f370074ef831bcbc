// The JSON context (the machine's keys and the result format's version), the CPU meter's parsing
// and the skip messages of paths a machine lacks.
#include <gtest/gtest.h>
#include <sfb/format_contract.h>

#include <algorithm>
#include <set>
#include <string>

#include "cpu_meter.h"
#include "machine_context.h"
#include "send_paths.h"
#include "suite_context.h"

namespace sfb::bench {
namespace {

TEST(machine_fingerprint, IsLowercaseWithRunsOfOtherCharactersAsOneDash) {
    EXPECT_EQ(
        machine_fingerprint("Linux", "6.1.0-13-amd64", "AMD EPYC 7B13 64-Core Processor", "2"),
        "linux-6-1-0-13-amd64-amd-epyc-7b13-64-core-processor-2cpu");
    EXPECT_EQ(machine_fingerprint("Linux", "6.18.44-fc-v782", "AMD EPYC", "2"),
              "linux-6-18-44-fc-v782-amd-epyc-2cpu");
}

TEST(machine_context, HasEveryKeyTheContractNames) {
    std::set<std::string> keys;
    for (const auto& [key, value] : machine_context()) {
        EXPECT_FALSE(value.empty()) << key;
        keys.insert(key);
    }
    for (const char* key : {"sfb_version", "sfb_git_commit", "os", "kernel_release", "libc",
                            "cpu_model", "cpu_count", "cpu_governor", "loopback_mtu", "tcp_rmem",
                            "tcp_wmem", "tcp_congestion_control", "machine_fingerprint"}) {
        EXPECT_TRUE(keys.count(key)) << key;
    }
}

TEST(suite_context, WritesTheContractsFormatVersion) {
    const context_entries entries = suite_context(suite_options{}, "ext4", suite_plan{});
    const auto found = std::find_if(entries.begin(), entries.end(), [](const auto& entry) {
        return entry.first == "format_version";
    });
    ASSERT_NE(found, entries.end());
    EXPECT_EQ(found->second, std::to_string(sfb::format::format_version));
}

TEST(file_system_of, FindsTheMountType) {
    EXPECT_EQ(file_system_of("/proc"), "proc");
    EXPECT_EQ(file_system_of("/proc/self"), "proc");
    EXPECT_EQ(file_system_of("/no/such/dir"), "unknown");
}

TEST(proc_stat, BusyIsUserNiceSystemIrqSoftirq) {
    const auto ticks = parse_proc_stat_line("cpu  100 2 30 9999 7 4 5 6 0 0\n");
    ASSERT_TRUE(ticks);
    EXPECT_EQ(ticks->busy, 100U + 2 + 30 + 4 + 5);
    EXPECT_EQ(ticks->softirq, 5U);
    EXPECT_FALSE(parse_proc_stat_line("intr 1 2 3"));
    EXPECT_TRUE(read_proc_stat());
}

TEST(probe_path, PathsOfThePortableKindAreAlwaysThere) {
    for (const path_id p : {path_id::read_write, path_id::read_send, path_id::sendfile_emulated,
                            path_id::mmap_send, path_id::splice}) {
        EXPECT_TRUE(probe_path(p, transport::tcp4).available) << path_name(p);
    }
}

TEST(probe_path, ZeroCopyOverUnixIsSkippedWithAReason) {
    const auto msg_zerocopy = probe_path(path_id::msg_zerocopy, transport::unix_stream);
    EXPECT_FALSE(msg_zerocopy.available);
    EXPECT_NE(msg_zerocopy.reason.find("SO_ZEROCOPY"), std::string::npos) << msg_zerocopy.reason;
    const auto send_zc = probe_path(path_id::io_uring_send_zc, transport::unix_stream);
    EXPECT_FALSE(send_zc.available);
    EXPECT_FALSE(send_zc.reason.empty());
}

TEST(probe_path, IoUringPathsAreAvailableOrSayWhyNot) {
    for (const path_id p :
         {path_id::io_uring_send, path_id::io_uring_send_zc, path_id::io_uring_splice}) {
        const auto found = probe_path(p, transport::tcp4);
        EXPECT_TRUE(found.available || !found.reason.empty()) << path_name(p);
        if (!found.available) {
            std::cout << path_name(p) << " skipped here: " << found.reason << "\n";
        }
    }
}

TEST(burn_thread_cpu, BurnsAtLeastWhatItWasAsked) {
    const double before = thread_cpu_us();
    burn_thread_cpu(2000);
    EXPECT_GE(thread_cpu_us() - before, 2000.0);
}

}  // namespace
}  // namespace sfb::bench
