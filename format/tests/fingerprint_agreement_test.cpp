// bench_sendfile (its "machine_fingerprint" context key) and sfb (the folder it stores a result
// in) must name a machine alike. Until the contract, each parsed /proc/cpuinfo itself and they
// differed where there is no "model name" line (as on ARM): "unknown" against "unknown-cpu".
// This feeds the same /proc inputs through both programs' own functions.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "machine_context.h"
#include "store.h"

namespace {

struct proc_inputs {
    std::string_view os;
    std::string_view kernel_release;
    std::string_view cpuinfo;
    long online_cpus;
    std::string_view expected;
};

constexpr std::string_view x86_cpuinfo =
    "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\n"
    "model name\t: AMD EPYC 7763 64-Core Processor\nstepping\t: 1\n\n"
    "processor\t: 1\nmodel name\t: AMD EPYC 7763 64-Core Processor\n";
constexpr std::string_view arm_cpuinfo =
    "processor\t: 0\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32\n"
    "CPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x1\nCPU part\t: 0xd0c\n";
constexpr std::string_view intel_cpuinfo =
    "model name\t: Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz  \r\n";

constexpr proc_inputs cases[] = {
    {"Linux", "6.18.44-fc-v782", x86_cpuinfo, 2,
     "linux-6-18-44-fc-v782-amd-epyc-7763-64-core-processor-2cpu"},
    {"Linux", "6.1.0-28-arm64", arm_cpuinfo, 8, "linux-6-1-0-28-arm64-unknown-8cpu"},
    {"Linux", "6.1.0-28-amd64", intel_cpuinfo, 4,
     "linux-6-1-0-28-amd64-intel-r-xeon-r-platinum-8375c-cpu-2-90ghz-4cpu"},
    {"Linux", "5.10.0", "", 1, "linux-5-10-0-unknown-1cpu"},
    {"Linux", "5.10.0", "model name\t:\n", 1, "linux-5-10-0-unknown-1cpu"},
    {"FreeBSD", "14.1-RELEASE", "model name\t: caf\xc3\xa9 CPU\n", 16,
     "freebsd-14-1-release-caf-cpu-16cpu"},
};

TEST(FingerprintAgreement, BenchAndHarnessNameFixedProcInputsAlike) {
    for (const auto& c : cases) {
        const std::string bench =
            sfb::bench::fingerprint_from_proc(c.os, c.kernel_release, c.cpuinfo, c.online_cpus);
        const std::string harness =
            sfb::harness::fingerprint_from_proc(c.os, c.kernel_release, c.cpuinfo, c.online_cpus);
        EXPECT_EQ(bench, c.expected) << c.cpuinfo;
        EXPECT_EQ(harness, c.expected) << c.cpuinfo;
        // sfb files a bench_sendfile result under the context key it finds, slugified again.
        sfb::harness::ordered_json context = sfb::harness::ordered_json::object();
        context["machine_fingerprint"] = bench;
        EXPECT_EQ(sfb::harness::machine_fingerprint(context), harness);
    }
}

TEST(FingerprintAgreement, ThisMachineAlike) {
    std::string from_bench;
    for (const auto& [key, value] : sfb::bench::machine_context()) {
        if (key == "machine_fingerprint") {
            from_bench = value;
        }
    }
    ASSERT_FALSE(from_bench.empty());
    EXPECT_EQ(from_bench, sfb::harness::local_machine_fingerprint());
}

}  // namespace
