// The generated tables and the fingerprint recipe, checked against format/contract.json's
// meaning: names round-trip through the enums, every entry is filled in, the fingerprint is
// the documented slug.
#include <gtest/gtest.h>
#include <sfb/fingerprint.h>
#include <sfb/format_contract.h>

#include <set>
#include <string>

namespace {

namespace contract = sfb::format;

TEST(FormatContract, PathIdsRoundTripInContractOrder) {
    for (std::size_t i = 0; i < contract::paths.size(); ++i) {
        const auto id = contract::parse_path_id(contract::paths[i].name);
        ASSERT_TRUE(id.has_value()) << contract::paths[i].name;
        EXPECT_EQ(static_cast<std::size_t>(*id), i);
        EXPECT_EQ(contract::to_string(*id), contract::paths[i].name);
    }
    EXPECT_FALSE(contract::parse_path_id("sendfile2").has_value());
    EXPECT_FALSE(contract::parse_path_id("").has_value());
    static_assert(contract::to_string(contract::path_id::sendfile) ==
                  contract::path_name::sendfile);
    static_assert(contract::parse_path_id("io_uring_splice") == contract::path_id::io_uring_splice);
}

TEST(FormatContract, OtherIdsRoundTrip) {
    EXPECT_EQ(contract::parse_transport_id("unix"), contract::transport_id::unix);
    EXPECT_EQ(contract::to_string(contract::receiver_id::discard),
              contract::receiver_name::discard);
    EXPECT_EQ(contract::parse_cache_id("cold"), contract::cache_id::cold);
    EXPECT_FALSE(contract::parse_cache_id("lukewarm").has_value());
}

TEST(FormatContract, EveryEntryIsDescribedAndUnique) {
    std::set<std::string_view> counters;
    for (const auto& c : contract::counters) {
        EXPECT_TRUE(counters.insert(c.name).second) << c.name;
        EXPECT_FALSE(c.unit.empty()) << c.name;
        EXPECT_FALSE(c.meaning.empty()) << c.name;
        EXPECT_TRUE(c.better == "higher" || c.better == "lower" || c.better == "none") << c.name;
    }
    std::set<std::string_view> keys;
    for (const auto& k : contract::context_keys) {
        EXPECT_TRUE(keys.insert(k.key).second) << k.key;
        EXPECT_FALSE(k.meaning.empty()) << k.key;
        EXPECT_TRUE(k.source == "gbench" || k.source == "suite" || k.source == "harness") << k.key;
    }
    EXPECT_EQ(keys.count(contract::context_key_name::sfb_harness_rounds), 1U);
    for (const auto& p : contract::paths) {
        EXPECT_FALSE(p.summary.empty()) << p.name;
        EXPECT_FALSE(p.oldest_linux.empty()) << p.name;
    }
    EXPECT_EQ(contract::name_segments.front().name, contract::segment_name::path);
    for (const auto& c : contract::counters) {
        EXPECT_TRUE(c.when.empty() || c.when == "zero_copy" || c.when == "sampling" ||
                    c.when == "system_cpu" || c.when == "system_cpu_local" ||
                    c.when == "system_cpu_sampling" || c.when == "hardware_counters" ||
                    c.when == "hardware_counters_local" || c.when == "task_clock" ||
                    c.when == "task_clock_local" || c.when == "instruction_clock" ||
                    c.when == "retired")
            << c.name;
    }
}

TEST(Fingerprint, SlugOfTheRecipe) {
    EXPECT_EQ(contract::machine_fingerprint("Linux", "6.1.0-28-amd64",
                                            "Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz", "2"),
              "linux-6-1-0-28-amd64-intel-r-xeon-r-platinum-8375c-cpu-2-90ghz-2cpu");
    EXPECT_EQ(contract::machine_fingerprint("Linux", "6.18.44-fc-v782", "AMD EPYC", "2"),
              "linux-6-18-44-fc-v782-amd-epyc-2cpu");
    // Non-ASCII bytes are separators, never letters, whatever the locale.
    EXPECT_EQ(contract::fingerprint_slug("--Caf\xc3\xa9  CPU--"), "caf-cpu");
    EXPECT_EQ(contract::fingerprint_slug("()"), "");
}

TEST(Fingerprint, CpuModelFromCpuinfo) {
    EXPECT_EQ(contract::cpu_model_from_cpuinfo("processor\t: 0\nvendor_id\t: AuthenticAMD\n"
                                               "model name\t: AMD EPYC 7763 64-Core Processor  \n"
                                               "model name\t: second line is ignored\n"),
              "AMD EPYC 7763 64-Core Processor");
    // ARM: no "model name" line; the one fallback of the contract.
    EXPECT_EQ(contract::cpu_model_from_cpuinfo("processor\t: 0\nBogoMIPS\t: 50.00\n"
                                               "CPU implementer\t: 0x41\nCPU part\t: 0xd0c\n"),
              contract::unknown_value);
    EXPECT_EQ(contract::unknown_value, "unknown");
    EXPECT_EQ(contract::cpu_model_from_cpuinfo(""), "unknown");
    EXPECT_EQ(contract::cpu_model_from_cpuinfo("model name\t:   \n"), "unknown");
    EXPECT_EQ(contract::cpu_model_from_cpuinfo("model name\t: last line, no newline"),
              "last line, no newline");
}

}  // namespace
