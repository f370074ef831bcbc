// Google Benchmark 1.7.1's flags as bench_sendfile presents them (issue 9 item 5): the newer
// --benchmark_min_time syntax gets a hint, --benchmark_time_unit is honoured or refused with a
// message, --help says min_time takes plain seconds, and the context says what the library's
// DEBUG build type means.
#include <gtest/gtest.h>

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
