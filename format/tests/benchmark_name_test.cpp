// The benchmark name parser (<sfb/benchmark_name.h>) in both modes: what it takes apart, and
// which segment its error names when a name is off the contract's grammar.
#include <gtest/gtest.h>
#include <sfb/benchmark_name.h>

#include <string>
#include <string_view>

namespace {

namespace contract = sfb::format;
using contract::name_mode;
using contract::parse_benchmark_name;
using contract::segment_index;

constexpr std::string_view full =
    "io_uring_send_zc/tcp6/discard/cold/file:67108864/block:65536/conns:4/placement:split/"
    "real_time";
constexpr std::string_view without_placement =
    "sendfile/tcp4/copy/warm/file:1048576/block:65536/conns:1/real_time";

std::string_view value(const contract::parsed_name& name, std::string_view segment) {
    return name.values[segment_index(segment)];
}

std::uint64_t number(const contract::parsed_name& name, std::string_view segment) {
    return name.numbers[segment_index(segment)];
}

// The error of a name that must not parse in `mode`.
std::string error_of(std::string_view name, name_mode mode) {
    const auto parsed = parse_benchmark_name(name, mode);
    EXPECT_FALSE(parsed) << name;
    EXPECT_FALSE(parsed.error.empty()) << name;
    return parsed.error;
}

TEST(BenchmarkName, FullNameInBothModes) {
    for (const name_mode mode : {name_mode::strict, name_mode::lenient}) {
        const auto parsed = parse_benchmark_name(full, mode);
        ASSERT_TRUE(parsed) << parsed.error;
        const auto& n = *parsed.name;
        EXPECT_EQ(value(n, contract::segment_name::path), "io_uring_send_zc");
        EXPECT_EQ(value(n, contract::segment_name::transport), "tcp6");
        EXPECT_EQ(value(n, contract::segment_name::receiver), "discard");
        EXPECT_EQ(value(n, contract::segment_name::cache), "cold");
        EXPECT_EQ(value(n, contract::segment_name::file), "67108864");
        EXPECT_EQ(number(n, contract::segment_name::file), 67108864u);
        EXPECT_EQ(number(n, contract::segment_name::block), 65536u);
        EXPECT_EQ(number(n, contract::segment_name::conns), 4u);
        EXPECT_EQ(number(n, contract::segment_name::path), 0u);  // a word has no number
        EXPECT_EQ(value(n, contract::segment_name::placement), "split");
        EXPECT_EQ(n.suffix, "real_time");
        EXPECT_EQ(n.threads, 0u);
        EXPECT_EQ(n.aggregate, "");
        EXPECT_TRUE(parsed.error.empty());
    }
}

TEST(BenchmarkName, PlacementMayBeMissingOnlyWhenLenient) {
    const auto lenient = parse_benchmark_name(without_placement, name_mode::lenient);
    ASSERT_TRUE(lenient) << lenient.error;
    EXPECT_FALSE(lenient.name->has(segment_index(contract::segment_name::placement)));
    EXPECT_TRUE(lenient.name->has(segment_index(contract::segment_name::conns)));
    EXPECT_EQ(value(*lenient.name, contract::segment_name::placement), "");
    EXPECT_EQ(lenient.name->suffix, "real_time");

    EXPECT_EQ(error_of(without_placement, name_mode::strict), "segment placement is missing");
    // Nothing at all after conns: lenient takes it with an empty suffix, strict does not.
    const std::string_view bare = "sendfile/tcp4/copy/warm/file:1/block:1/conns:1";
    const auto lenient_bare = parse_benchmark_name(bare, name_mode::lenient);
    ASSERT_TRUE(lenient_bare) << lenient_bare.error;
    EXPECT_EQ(lenient_bare.name->suffix, "");
    EXPECT_EQ(error_of(bare, name_mode::strict), "segment placement is missing");
}

TEST(BenchmarkName, WrongPrefixNamesTheSegment) {
    const std::string name =
        "sendfile/tcp4/copy/warm/size:1048576/block:65536/conns:1/placement:free/real_time";
    for (const name_mode mode : {name_mode::strict, name_mode::lenient}) {
        EXPECT_EQ(error_of(name, mode),
                  "segment file is 'size:1048576', which does not start with file:");
    }
}

TEST(BenchmarkName, NonNumberSizeNamesTheSegment) {
    for (const std::string_view size : {"x", "", "-1", "1.5", " 1", "99999999999999999999"}) {
        const std::string name = "sendfile/tcp4/copy/warm/file:1/block:" + std::string(size) +
                                 "/conns:1/placement:free/real_time";
        for (const name_mode mode : {name_mode::strict, name_mode::lenient}) {
            EXPECT_EQ(error_of(name, mode), "segment block is 'block:" + std::string(size) +
                                                "', whose value is not a whole number");
        }
    }
}

TEST(BenchmarkName, WordsFromTheTablesOnlyWhenStrict) {
    const std::string_view name =
        "sendfile2/tcp4/copy/lukewarm/file:1/block:1/conns:1/placement:free/real_time";
    EXPECT_EQ(error_of(name, name_mode::strict),
              "segment path is 'sendfile2', not one of the contract's paths");
    // sfb reads results of other versions, which may name paths it does not know.
    const auto lenient = parse_benchmark_name(name, name_mode::lenient);
    ASSERT_TRUE(lenient) << lenient.error;
    EXPECT_EQ(value(*lenient.name, contract::segment_name::path), "sendfile2");
    EXPECT_EQ(value(*lenient.name, contract::segment_name::cache), "lukewarm");
    // An empty part is no segment in either mode.
    EXPECT_EQ(error_of("sendfile//copy/warm/file:1/block:1/conns:1/real_time", name_mode::lenient),
              "segment transport is ''");
    EXPECT_EQ(error_of("sendfile/tcp4/copy/warm/file:1/block:1/conns:1/placement:other/real_time",
                       name_mode::strict),
              "segment placement is 'placement:other', not one of the contract's placements");
}

TEST(BenchmarkName, ThreadsSuffix) {
    const std::string name = std::string(full) + "/threads:4";
    for (const name_mode mode : {name_mode::strict, name_mode::lenient}) {
        const auto parsed = parse_benchmark_name(name, mode);
        ASSERT_TRUE(parsed) << parsed.error;
        EXPECT_EQ(parsed.name->threads, 4u);
        EXPECT_EQ(parsed.name->suffix, "real_time/threads:4");
    }
    EXPECT_EQ(error_of(std::string(full) + "/threads:four", name_mode::strict),
              "'threads:four' after real_time is not threads:N");
    EXPECT_EQ(error_of(std::string(full) + "/threads:4/more", name_mode::strict),
              "'threads:4/more' after real_time is not threads:N");
    EXPECT_EQ(error_of("sendfile/tcp4/copy/warm/file:1/block:1/conns:1/placement:free/cpu_time",
                       name_mode::strict),
              "expected real_time after the 8 segments, not 'cpu_time'");
    // Lenient: any text may follow the segments; it is the suffix, with no thread count.
    const auto lenient = parse_benchmark_name(
        "sendfile/tcp4/copy/warm/file:1/block:1/conns:1/extra/threads:4", name_mode::lenient);
    ASSERT_TRUE(lenient) << lenient.error;
    EXPECT_EQ(lenient.name->suffix, "extra/threads:4");
    EXPECT_EQ(lenient.name->threads, 0u);
}

TEST(BenchmarkName, AggregateSuffix) {
    for (const std::string_view aggregate : contract::aggregate_names) {
        const std::string name = std::string(full) + "_" + std::string(aggregate);
        const auto parsed = parse_benchmark_name(name, name_mode::strict);
        ASSERT_TRUE(parsed) << parsed.error;
        EXPECT_EQ(parsed.name->aggregate, aggregate);
        EXPECT_EQ(parsed.name->suffix, "real_time_" + std::string(aggregate));
        EXPECT_EQ(parsed.name->threads, 0u);
    }
    const auto threaded =
        parse_benchmark_name(std::string(full) + "/threads:2_median", name_mode::lenient);
    ASSERT_TRUE(threaded) << threaded.error;
    EXPECT_EQ(threaded.name->aggregate, "median");
    EXPECT_EQ(threaded.name->threads, 2u);
    EXPECT_EQ(error_of(std::string(full) + "_p99", name_mode::strict),
              "expected real_time after the 8 segments, not 'real_time_p99'");
}

TEST(BenchmarkName, ForeignNamesDoNotParse) {
    for (const std::string_view name :
         {"BM_SortVector/1024", "", "a/b/c/d/file:1/block:1", "a/b/c/d/file:x/block:1/conns:1"}) {
        for (const name_mode mode : {name_mode::strict, name_mode::lenient}) {
            error_of(name, mode);
        }
    }
    EXPECT_EQ(error_of("BM_SortVector/1024", name_mode::lenient), "segment receiver is missing");
    EXPECT_EQ(error_of("", name_mode::strict), "segment path is ''");
    EXPECT_EQ(error_of("a/b/c/d/file:1/block:1", name_mode::lenient), "segment conns is missing");
}

}  // namespace
