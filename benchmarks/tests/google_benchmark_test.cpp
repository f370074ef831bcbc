// Google Benchmark 1.7.1's flags as bench_sendfile presents them: the newer
// --benchmark_min_time syntax gets a hint, --benchmark_time_unit is honoured or refused with a
// message, --help says min_time takes plain seconds, and the context says what the library's
// DEBUG build type means.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench_command.h"
#include "child_process.h"
#include "google_benchmark.h"
#include "temp_dir.h"

namespace sfb::bench {
namespace {

using testing_support::run_child;

bool google_flags_ok(const std::vector<const char*>& flags, std::string& error) {
    std::vector<const char*> argv{"bench_sendfile"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    return check_google_flags(static_cast<int>(argv.size()), argv.data(), error);
}

TEST(google_flags, NewerMinTimeSyntaxGetsAHint) {
    std::string error;
    EXPECT_FALSE(google_flags_ok({"--benchmark_min_time=0.1s"}, error));
    EXPECT_NE(error.find("plain seconds; use --benchmark_min_time=0.1"), std::string::npos)
        << error;
    EXPECT_FALSE(google_flags_ok({"--benchmark_min_time=100x"}, error));
    EXPECT_NE(error.find("iteration count"), std::string::npos) << error;
    EXPECT_TRUE(google_flags_ok({"--benchmark_min_time=0.1"}, error)) << error;
    EXPECT_TRUE(google_flags_ok({}, error)) << error;
}

TEST(google_flags, TimeUnitMustBeOneGoogleKnows) {
    std::string error;
    for (const char* unit : {"--benchmark_time_unit=ns", "--benchmark_time_unit=us",
                             "--benchmark_time_unit=ms", "--benchmark_time_unit=s"}) {
        EXPECT_TRUE(google_flags_ok({unit}, error)) << unit << ": " << error;
    }
    EXPECT_FALSE(google_flags_ok({"--benchmark_time_unit=minutes"}, error));
    EXPECT_NE(error.find("expected ns, us, ms or s"), std::string::npos) << error;
}

// 1.7.1 itself aborts on a negative repetition count and never ends with a minimum time of
// nan or inf; each is refused before Google sees it, naming the value.
TEST(google_flags, NumbersOutOfRangeAreRefusedWithTheirValue) {
    std::string error;
    for (const char* bad :
         {"--benchmark_repetitions=-1", "--benchmark_repetitions=0", "--benchmark_repetitions=1001",
          "--benchmark_repetitions=2.5", "--benchmark_repetitions=99999999999",
          "--benchmark_min_time=nan", "--benchmark_min_time=inf", "--benchmark_min_time=-1",
          "--benchmark_min_time=1e308", "--benchmark_min_warmup_time=-0.5",
          "--benchmark_min_warmup_time=nan"}) {
        EXPECT_FALSE(google_flags_ok({bad}, error)) << bad;
        const std::string_view flag = bad;
        EXPECT_NE(error.find(flag), std::string::npos) << error;
    }
    for (const char* good :
         {"--benchmark_repetitions=1", "--benchmark_repetitions=1000", "--benchmark_min_time=0",
          "--benchmark_min_time=3600", "--benchmark_min_warmup_time=0.5"}) {
        EXPECT_TRUE(google_flags_ok({good}, error)) << good << ": " << error;
    }
}

nlohmann::json run_json(const std::vector<std::string>& extra, int& exit_code) {
    temp_dir dir;
    std::vector<std::string> args{"--sfb_paths=sendfile", "--sfb_receiver=discard",
                                  "--sfb_file_sizes=4K"};
    args.insert(args.end(), extra.begin(), extra.end());
    args = testing_support::bench_command(dir.path(), args);
    const auto run = run_child(args);
    exit_code = run.exited ? run.exit_code : -1;
    return nlohmann::json::parse(run.out, nullptr, false);
}

TEST(google_flags, TimeUnitIsMicrosecondsUnlessTheFlagSaysOtherwise) {
    int exit_code = 0;
    const auto plain = run_json({}, exit_code);
    ASSERT_EQ(exit_code, 0);
    ASSERT_FALSE(plain.is_discarded());
    EXPECT_EQ(plain["benchmarks"][0]["time_unit"], "us");
    const auto in_ns = run_json({"--benchmark_time_unit=ns"}, exit_code);
    ASSERT_EQ(exit_code, 0);
    ASSERT_FALSE(in_ns.is_discarded());
    EXPECT_EQ(in_ns["benchmarks"][0]["time_unit"], "ns");
}

TEST(google_flags, ContextSaysWhatTheLibraryBuildTypeMeans) {
    int exit_code = 0;
    const auto doc = run_json({}, exit_code);
    ASSERT_EQ(exit_code, 0);
    ASSERT_FALSE(doc.is_discarded());
    const std::string type = doc["context"]["library_build_type"];
    EXPECT_EQ(type, library_build_type());
    const std::string meaning = doc["context"]["gbench_library_build_type"];
    EXPECT_EQ(meaning.rfind(type + ":", 0), 0U) << meaning;
    EXPECT_NE(meaning.find("NDEBUG"), std::string::npos) << meaning;
}

TEST(google_flags, HelpSaysMinTimeTakesPlainSeconds) {
    const auto run = run_child({testing_support::bench_sendfile_path(), "--help"});
    EXPECT_NE(run.out.find("--benchmark_min_time in plain seconds"), std::string::npos) << run.out;
    EXPECT_NE(run.out.find("--benchmark_time_unit"), std::string::npos);
}

}  // namespace
}  // namespace sfb::bench

namespace sfb::bench {
namespace {

// A filter that matches nothing is not a silent pass: both outputs hold valid JSON (the
// context, no benchmarks) and the exit status is 2, with the reason on stderr.
TEST(google_flags, FilterMatchingNothingWritesEmptyJsonAndFails) {
    temp_dir dir;
    const std::string out = dir.path() + "/out.json";
    const auto run = run_child(testing_support::bench_command(
        dir.path(), {"--sfb_paths=sendfile", "--sfb_receiver=discard", "--sfb_file_sizes=4K",
                     "--benchmark_filter=^no_such_benchmark$", "--benchmark_out=" + out}));
    ASSERT_TRUE(run.exited);
    EXPECT_EQ(run.exit_code, 2);
    EXPECT_NE(run.err.find("matches none of the"), std::string::npos) << run.err;
    const auto shown = nlohmann::json::parse(run.out, nullptr, false);
    ASSERT_FALSE(shown.is_discarded()) << run.out;
    EXPECT_TRUE(shown["benchmarks"].empty());
    EXPECT_TRUE(shown["context"].contains("sfb_git_commit"));
    std::ifstream file(out);
    const auto written = nlohmann::json::parse(file, nullptr, false);
    ASSERT_FALSE(written.is_discarded());
    EXPECT_TRUE(written["benchmarks"].empty());
}

// An argument that is not plain text is refused before anything echoes it raw.
TEST(google_flags, ArgumentsThatAreNotPlainTextAreRefusedEscaped) {
    temp_dir dir;
    for (const std::string& bad :
         {std::string("--benchmark_filter=\x1b]0;owned\x07"), std::string("--sfb_dir=\xff\xfe"),
          std::string("--benchmark_out=") + std::string(5000, 'a')}) {
        const auto run = run_child(testing_support::bench_command(dir.path(), {bad}));
        ASSERT_TRUE(run.exited) << bad;
        EXPECT_EQ(run.exit_code, 2) << bad;
        EXPECT_EQ(run.err.find('\x1b'), std::string::npos) << run.err;
        EXPECT_EQ(run.err.find('\xff'), std::string::npos) << run.err;
        EXPECT_LT(run.err.size(), 400U) << run.err;
        EXPECT_NE(run.err.find("argument"), std::string::npos) << run.err;
    }
}

}  // namespace
}  // namespace sfb::bench
