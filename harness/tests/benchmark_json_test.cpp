#include "benchmark_json.h"

#include "bench_process.h"
#include "test_support.h"

#include <gtest/gtest.h>
#include <cctype>
#include <ostream>

namespace sfb::harness {
namespace {

using testing::data;
using testing::kReadSend;
using testing::kSendfile;
using testing::load;

// The message of the input_error that loading `name` throws.
std::string load_error(const std::string& name) {
    try {
        load(name);
    } catch (const input_error& e) {
        return e.what();
    }
    ADD_FAILURE() << name << " loaded without an error";
    return "";
}

TEST(BenchmarkJson, KeepsRepetitionsAndIgnoresAggregates) {
    const result_set set = load("sfb_base.json");
    ASSERT_EQ(set.benchmarks.size(), 2u);
    EXPECT_EQ(set.benchmarks[0].name, kReadSend);
    EXPECT_EQ(set.benchmarks[1].name, kSendfile);
    const benchmark_series* sendfile = set.find(kSendfile);
    ASSERT_NE(sendfile, nullptr);
    EXPECT_EQ(sendfile->repetitions.size(), 9u);  // the 3 aggregates are not repetitions
    EXPECT_EQ(sendfile->time_unit, "us");
    const auto cpu = sendfile->values("cpu_time");
    ASSERT_EQ(cpu.size(), 9u);
    EXPECT_DOUBLE_EQ(cpu.front(), 100.0);
    // Counters are kept; bookkeeping keys are not.
    EXPECT_EQ(sendfile->values("syscalls_per_pass").size(), 9u);
    EXPECT_EQ(sendfile->values("bytes_per_second").size(), 9u);
    EXPECT_TRUE(sendfile->values("iterations").empty());
    EXPECT_TRUE(sendfile->values("repetition_index").empty());
    ASSERT_EQ(set.files.size(), 1u);
    EXPECT_EQ(set.files[0].context["machine_fingerprint"], "linux-6-1-0-test-cpu-2cpu");
}

TEST(BenchmarkJson, ConvertsTimeUnitsToMicroseconds) {
    const result_set us = load("sfb_base.json");
    const result_set ns = load("sfb_base_in_ns.json");
    const auto a = us.find(kSendfile)->values("real_time");
    const auto b = ns.find(kSendfile)->values("real_time");
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        EXPECT_NEAR(a[i], b[i], 1e-9);
    }
    EXPECT_EQ(ns.find(kSendfile)->time_unit, "ns");
    EXPECT_DOUBLE_EQ(microseconds_per("ms"), 1000);
    EXPECT_DOUBLE_EQ(microseconds_per("s"), 1e6);
    EXPECT_DOUBLE_EQ(from_microseconds(2.5, "ns"), 2500);
    EXPECT_THROW(microseconds_per("min"), std::invalid_argument);
}

TEST(BenchmarkJson, FailedRunsAreRecordedNotMeasured) {
    const result_set set = load("sfb_failed.json");
    const benchmark_series* sendfile = set.find(kSendfile);
    ASSERT_NE(sendfile, nullptr);
    EXPECT_TRUE(sendfile->repetitions.empty());
    ASSERT_EQ(sendfile->errors.size(), 1u);
    EXPECT_EQ(sendfile->errors[0], "sendfile: connection reset by peer");
}

TEST(BenchmarkJson, FoldersArePooledRecursively) {
    temporary_folder folder;
    std::filesystem::create_directories(folder.path() / "machine");
    std::filesystem::copy_file(data("sfb_base.json"), folder.path() / "a.json");
    std::filesystem::copy_file(data("sfb_same.json"), folder.path() / "machine" / "b.json");
    std::filesystem::copy_file(data("empty_folder/README.txt"), folder.path() / "notes.txt");
    const std::filesystem::path p = folder.path();
    const result_set set = load_results(std::span(&p, 1));
    EXPECT_EQ(set.files.size(), 2u);
    EXPECT_EQ(set.find(kSendfile)->repetitions.size(), 18u);
}

TEST(BenchmarkJson, AnyGoogleBenchmarkProgramIsAccepted) {
    // Written by a real run of harness/tests/foreign_benchmark.cpp (see its comment).
    const result_set set = load("foreign_program.json");
    ASSERT_FALSE(set.benchmarks.empty());
    for (const auto& b : set.benchmarks) {
        EXPECT_GE(b.repetitions.size(), 5u) << b.name;
    }
    EXPECT_NE(set.find("BM_SortVector/1024"), nullptr);
}

TEST(BenchmarkJson, NonFiniteNumbersAsGoogleBenchmarkWritesThem) {
    EXPECT_EQ(replace_non_finite_numbers(R"({"a": NaN, "b": -Infinity, "c": "NaN", "d": 1})"),
              R"({"a": null, "b": null, "c": "NaN", "d": 1})");
    EXPECT_EQ(replace_non_finite_numbers(R"({"s": "say \"NaN\"", "x": Infinity})"),
              R"({"s": "say \"NaN\"", "x": null})");
    const result_set set = load("sfb_non_finite_counters.json");
    const benchmark_series* sendfile = set.find(kSendfile);
    ASSERT_NE(sendfile, nullptr);
    EXPECT_EQ(sendfile->repetitions.size(), 9u);
    EXPECT_TRUE(sendfile->values("zerocopy_copied").empty());
    EXPECT_TRUE(sendfile->values("ratio").empty());
    EXPECT_EQ(sendfile->values("cpu_time").size(), 9u);
    EXPECT_EQ(set.files[0].context["note"], "NaN and Infinity inside strings stay as they are");
}

struct bad_case {
    const char* file;
    const char* message;
};

// gtest prints parameters into the test names ctest sees; print the file name, not bytes.
void PrintTo(const bad_case& c, std::ostream* os) {
    *os << c.file;
}

class BadInput : public ::testing::TestWithParam<bad_case> {};

TEST_P(BadInput, OneClearMessageNamingTheFile) {
    const std::string message = load_error(GetParam().file);
    EXPECT_NE(message.find(data(GetParam().file).string()), std::string::npos) << message;
    EXPECT_NE(message.find(GetParam().message), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, BadInput,
    ::testing::Values(
        bad_case{"bad_malformed.json", "malformed JSON: parse error at line 2"},
        bad_case{"bad_empty_file.json", "malformed JSON: the file is empty"},
        bad_case{"bad_not_benchmark_output.json", "not Google Benchmark output"},
        bad_case{"bad_top_level_array.json", "not Google Benchmark output"},
        bad_case{"bad_empty_benchmarks.json", "contains no benchmarks"},
        bad_case{"bad_missing_real_time.json", "missing field \"real_time\""},
        bad_case{"bad_missing_time_unit.json", "missing field \"time_unit\""},
        bad_case{"bad_missing_name.json", "benchmark entry 0: missing field \"name\""},
        bad_case{"bad_cpu_time_not_a_number.json", "field \"cpu_time\" is not a number"},
        bad_case{"bad_unknown_time_unit.json", "unknown time_unit \"fortnights\""},
        bad_case{"bad_aggregates_only.json", "holds only aggregates"},
        bad_case{"empty_folder", "folder holds no .json files"},
        bad_case{"no_such_file.json", "no such file or folder"}),
    [](const ::testing::TestParamInfo<bad_case>& param_info) {
        std::string name;
        for (const char* c = param_info.param.file; *c != '\0'; ++c) {
            name += std::isalnum(static_cast<unsigned char>(*c)) ? *c : '_';
        }
        return name;
    });

TEST(BenchmarkJson, UnreadableFile) {
    // /proc/self/mem exists but reading its first page fails (EIO): a real unreadable file
    // even for root, for whom permission bits do not stop reading.
    const std::filesystem::path p = "/proc/self/mem";
    try {
        load_results(std::span(&p, 1));
        FAIL() << "no error";
    } catch (const input_error& e) {
        EXPECT_NE(std::string(e.what()).find("/proc/self/mem: cannot read"), std::string::npos)
            << e.what();
    }
}

TEST(BenchmarkJson, BadFileAddsNothing) {
    result_set set;
    const ordered_json good = read_json_file(data("sfb_base.json"));
    add_benchmark_document(set, good, "good.json");
    const ordered_json bad = read_json_file(data("bad_missing_real_time.json"));
    EXPECT_THROW(add_benchmark_document(set, bad, "bad.json"), input_error);
    EXPECT_EQ(set.files.size(), 1u);
    EXPECT_EQ(set.find(kSendfile)->repetitions.size(), 9u);
}

}  // namespace
}  // namespace sfb::harness

namespace sfb::harness {
namespace {

// A key said twice is refused wherever it is, naming the key and the object; the same key
// in two objects is fine.
TEST(BenchmarkJson, RepeatedKeysAreRefusedAtAnyDepth) {
    const auto message = [](std::string_view text) {
        try {
            parse_json_text(text, "f.json");
        } catch (const input_error& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    EXPECT_EQ(message(R"({"a": 1, "a": 1})"),
              "f.json: ambiguous JSON: the key \"a\" appears twice in the object at / (the top "
              "level)");
    EXPECT_EQ(message(R"({"b": [{}, {"x": {"k": 1, "k": 2}}]})"),
              "f.json: ambiguous JSON: the key \"k\" appears twice in the object at /b/1/x");
    EXPECT_EQ(message(R"({"a": {"k": 1}, "b": {"k": 1}, "c": [{"k": 1}, {"k": 2}]})"), "accepted");
}

// Counts and indices from a file are whole numbers in range, never wrapped or cut.
TEST(BenchmarkJson, CountsMustBeWholeNumbers) {
    for (const char* bad : {"-1", "2.5", "1e30", "18446744073709551616"}) {
        const std::string text = std::string(R"({"benchmarks": [{"name": "a", "iterations": )") +
                                 bad + R"(, "real_time": 1, "cpu_time": 1, "time_unit": "us"}]})";
        result_set set;
        EXPECT_THROW(add_benchmark_document(set, parse_json_text(text, "f.json"), "f.json"),
                     input_error)
            << bad;
    }
}

}  // namespace
}  // namespace sfb::harness

#include "merge_rounds.h"

#include <sfb/format_contract.h>

namespace sfb::harness {
namespace {

// The message add_benchmark_document refuses sfb_base.json with when its context says
// format_version is `version`, or "accepted" (then the set holds the file).
std::string format_version_outcome(const ordered_json& version) {
    ordered_json document = read_json_file(data("sfb_base.json"));
    document["context"]["format_version"] = version;
    result_set set;
    try {
        add_benchmark_document(set, document, "v.json");
    } catch (const input_error& e) {
        EXPECT_TRUE(set.files.empty() && set.benchmarks.empty()) << "a refused file added to set";
        return e.what();
    }
    EXPECT_EQ(set.files.size(), 1u);
    return "accepted";
}

TEST(BenchmarkJson, NewerFormatVersionIsRefusedNamingBoth) {
    ASSERT_EQ(sfb::format::format_version, 1) << "update the expected messages";
    const std::string message =
        "v.json: written in result format version 99; this sfb reads format version 1 and "
        "older: use a newer sfb to read it";
    EXPECT_EQ(format_version_outcome(99), message);
    EXPECT_EQ(format_version_outcome("99"), message);  // as Google Benchmark's context writes it
    EXPECT_EQ(format_version_outcome(2).find("written in result format version 2;"), 8u);
    // Too large for any counter: still a newer version, named as written.
    EXPECT_EQ(format_version_outcome("123456789012345678901234567890"),
              "v.json: written in result format version \"123456789012345678901234567890\"; this "
              "sfb reads format version 1 and older: use a newer sfb to read it");
}

TEST(BenchmarkJson, FormatVersionAbsentOrCurrentReads) {
    EXPECT_EQ(format_version_outcome(1), "accepted");
    EXPECT_EQ(format_version_outcome("1"), "accepted");
    EXPECT_EQ(format_version_outcome("0"), "accepted");
    // Files written before the key existed read as version 1: the fixtures have none.
    const ordered_json base = read_json_file(data("sfb_base.json"));
    ASSERT_FALSE(base["context"].contains("format_version"));
    EXPECT_EQ(check_format_version(base["context"], "base.json"), 1u);
    EXPECT_EQ(check_format_version(ordered_json::object(), "none.json"), 1u);
    for (const auto& entry : std::filesystem::directory_iterator(SFB_TEST_DATA)) {
        const std::string name = entry.path().filename().string();
        if (name.starts_with("sfb_") && entry.path().extension() == ".json") {
            EXPECT_NO_THROW(load(name)) << name;
        }
    }
}

TEST(BenchmarkJson, FormatVersionThatIsNoWholeNumberIsRefused) {
    const auto refused = [](const ordered_json& version, const std::string& shown) {
        const std::string message = format_version_outcome(version);
        EXPECT_EQ(message, "v.json: the context's \"format_version\" is " + shown +
                               ", not a whole number from 0 (the result format's major version)")
            << version.dump();
    };
    refused(-1, "-1");
    refused(1.5, "1.5");
    refused(true, "true");
    refused(nullptr, "null");
    refused("one", "\"one\"");
    refused("", "\"\"");
    refused("-1", "\"-1\"");
    refused("1.0", "\"1.0\"");
    refused(" 1", "\" 1\"");
    refused(ordered_json::array({1}), "[1]");
}

TEST(BenchmarkJson, MergedRoundsCarryTheFormatVersion) {
    const ordered_json round = read_json_file(data("sfb_three_repetitions.json"));
    ASSERT_FALSE(round["context"].contains("format_version"));
    const ordered_json merged = merge_rounds({round, round});
    EXPECT_EQ(merged["context"]["format_version"], std::to_string(sfb::format::format_version));
    EXPECT_EQ(merged["context"]["sfb_harness_rounds"], "2");
    // What sfb writes, sfb reads: the stored text parses back with the key.
    const ordered_json stored = parse_json_text(dump_json(merged), "stored.json");
    EXPECT_EQ(check_format_version(stored["context"], "stored.json"),
              static_cast<std::uint64_t>(sfb::format::format_version));
    result_set set;
    add_benchmark_document(set, stored, "stored.json");
    EXPECT_EQ(set.files.at(0).context["format_version"], "1");
}

}  // namespace
}  // namespace sfb::harness
