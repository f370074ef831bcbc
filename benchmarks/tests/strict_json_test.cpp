// Every JSON bench_sendfile writes parses with a strict parser, for any flags:
// the rewriting of Google Benchmark's bare NaN/Infinity, and a matrix of real runs whose
// stdout and --benchmark_out are parsed by nlohmann::json (which refuses NaN) and, where
// Node.js is installed, by JavaScript's JSON.parse, the parser of github-action-benchmark.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "bench_command.h"
#include "child_process.h"
#include "google_benchmark.h"
#include "strict_json.h"
#include "temp_dir.h"

namespace sfb::bench {
namespace {

using testing_support::child_setup;
using testing_support::run_child;

TEST(strict_json, NonFiniteWordsBecomeNull) {
    EXPECT_EQ(null_for_non_finite(R"({"a": NaN, "b": -NaN, "c": Infinity, "d": -Infinity})"),
              R"({"a": null, "b": null, "c": null, "d": null})");
    EXPECT_EQ(null_for_non_finite(R"([1.5e+300, -0, NaN])"), R"([1.5e+300, -0, null])");
}

TEST(strict_json, StringsAreLeftAlone) {
    const std::string text = R"({"name": "NaN/Infinity \"NaN\" \\", "NaN": "-Infinity", "x": NaN})";
    EXPECT_EQ(null_for_non_finite(text),
              R"({"name": "NaN/Infinity \"NaN\" \\", "NaN": "-Infinity", "x": null})");
}

TEST(strict_json, FindsWhichOutputsAreJson) {
    const auto outputs = [](std::vector<const char*> args) {
        args.insert(args.begin(), "bench_sendfile");
        return find_json_outputs(static_cast<int>(args.size()), args.data());
    };
    ::unsetenv("BENCHMARK_FORMAT");
    ::unsetenv("BENCHMARK_OUT");
    ::unsetenv("BENCHMARK_OUT_FORMAT");
    EXPECT_FALSE(outputs({}).display);
    EXPECT_FALSE(outputs({}).file);
    EXPECT_TRUE(outputs({"--benchmark_format=json"}).display);
    EXPECT_FALSE(outputs({"--benchmark_format=json", "--benchmark_format=csv"}).display);
    EXPECT_TRUE(outputs({"--benchmark_out=x.json"}).file);
    EXPECT_FALSE(outputs({"--benchmark_out=x.csv", "--benchmark_out_format=csv"}).file);
    ::setenv("BENCHMARK_FORMAT", "json", 1);
    EXPECT_TRUE(outputs({}).display);
    ::unsetenv("BENCHMARK_FORMAT");
}

// The strict parsers. Node.js is optional: the JSON.parse check runs where it is installed.
void expect_strict_json(const std::string& text, const std::string& what,
                        const std::string& scratch) {
    const auto doc = nlohmann::json::parse(text, nullptr, false);
    ASSERT_FALSE(doc.is_discarded()) << what << " is not strict JSON:\n" << text;
    ASSERT_TRUE(doc.contains("benchmarks")) << what;
    EXPECT_FALSE(doc["benchmarks"].empty()) << what;
    const std::string node = testing_support::find_program("node");
    if (node.empty()) {
        return;
    }
    { std::ofstream(scratch) << text; }
    const auto parsed = run_child(
        {node, "-e", "JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8'))", scratch});
    ::unlink(scratch.c_str());
    EXPECT_TRUE(parsed.exited && parsed.exit_code == 0)
        << what << ": JSON.parse refused it: " << parsed.err;
}

struct flag_set {
    const char* name;
    std::vector<std::string> flags;
    int exit_code = 0;
    child_setup setup{};
};

std::ostream& operator<<(std::ostream& out, const flag_set& set) {
    return out << set.name;
}

class strict_json_matrix : public testing::TestWithParam<flag_set> {};

// Every path, both receivers (copy only with --sfb_verify), a 16 KiB file sent in one call
// (small blocks on a small file meet TCP delayed ACKs and take tens of ms per pass).
TEST_P(strict_json_matrix, StdoutAndOutFileParseStrictly) {
    temp_dir dir;
    const std::string out_file = dir.path() + "-out.json";
    std::vector<std::string> args = testing_support::bench_command(
        dir.path(),
        {"--sfb_file_sizes=16K", "--sfb_block_sizes=file", "--benchmark_out=" + out_file});
    args.insert(args.end(), GetParam().flags.begin(), GetParam().flags.end());
    const auto run = run_child(args, GetParam().setup);
    ASSERT_TRUE(run.exited) << "signal " << run.signal << "\n" << run.err;
    EXPECT_EQ(run.exit_code, GetParam().exit_code) << run.err;
    expect_strict_json(run.out, "stdout", dir.path() + "-stdout.json");
    std::ifstream in(out_file);
    std::stringstream written;
    written << in.rdbuf();
    ::unlink(out_file.c_str());
    expect_strict_json(written.str(), "--benchmark_out", dir.path() + "-file.json");
}

child_setup file_size_limit() {
    child_setup setup;
    setup.file_size = 1024 * 1024;
    return setup;
}

INSTANTIATE_TEST_SUITE_P(
    flags, strict_json_matrix,
    testing::Values(
        flag_set{"repetitions_1", {}}, flag_set{"repetitions_2", {"--benchmark_repetitions=2"}},
        flag_set{"repetitions_3", {"--benchmark_repetitions=3"}},
        flag_set{"repetitions_3_aggregates_only",
                 {"--benchmark_repetitions=3", "--benchmark_report_aggregates_only=true"}},
        flag_set{"repetitions_2_display_aggregates_only",
                 {"--benchmark_repetitions=2", "--benchmark_display_aggregates_only=true"}},
        flag_set{"verify_repetitions_1", {"--sfb_verify"}},
        flag_set{"verify_repetitions_3", {"--sfb_verify", "--benchmark_repetitions=3"}},
        flag_set{"verify_repetitions_2_aggregates_only",
                 {"--sfb_verify", "--benchmark_repetitions=2",
                  "--benchmark_report_aggregates_only=true"}},
        flag_set{"unix_cold_two_connections_repetitions_2",
                 {"--sfb_transport=unix", "--sfb_receiver=copy", "--sfb_cache=cold",
                  "--sfb_connections=2", "--sfb_paths=read_send,sendfile,splice",
                  "--benchmark_repetitions=2"}},
        flag_set{"failed_benchmarks_repetitions_2",
                 {"--sfb_file_sizes=4K,2M", "--sfb_paths=sendfile,mmap_send",
                  "--sfb_placement=free", "--sfb_receiver=copy", "--benchmark_repetitions=2"},
                 1,
                 file_size_limit()}),
    [](const testing::TestParamInfo<flag_set>& param) { return std::string(param.param.name); });

// The documented replacement: with two repetitions and no --sfb_verify, bytes_verified is 0 in
// every repetition, its coefficient of variation is 0/0, and the cv row says null.
TEST(strict_json, UndefinedCoefficientOfVariationIsNull) {
    temp_dir dir;
    const auto run = run_child(testing_support::bench_command(
        dir.path(), {"--sfb_paths=sendfile", "--sfb_receiver=discard", "--sfb_file_sizes=4K",
                     "--benchmark_repetitions=2"}));
    ASSERT_TRUE(run.exited && run.exit_code == 0) << run.err;
    const auto doc = nlohmann::json::parse(run.out, nullptr, false);
    ASSERT_FALSE(doc.is_discarded()) << run.out;
    bool found_cv = false;
    for (const auto& entry : doc["benchmarks"]) {
        if (entry.value("aggregate_name", "") == "cv") {
            found_cv = true;
            ASSERT_TRUE(entry.contains("bytes_verified")) << entry;
            EXPECT_TRUE(entry["bytes_verified"].is_null()) << entry;
            EXPECT_TRUE(entry["bytes_received"].is_number()) << entry;
        }
    }
    EXPECT_TRUE(found_cv) << run.out;
}

}  // namespace
}  // namespace sfb::bench
