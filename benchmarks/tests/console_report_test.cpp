// bench_sendfile's console output (src/suite/console_report.h): its rows on constructed values, and
// the real program in the console format, compact and with --sfb_counters=all.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <initializer_list>
#include <sstream>
#include <string>
#include <vector>

#include "bench_command.h"
#include "child_process.h"
#include "console_report.h"
#include "google_benchmark.h"
#include "options.h"
#include "temp_dir.h"

namespace sfb::bench {
namespace {

using sfb::harness::kConsoleWidth;
using sfb::harness::round_values;

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
    }
    return lines;
}

std::size_t longest_line(const std::string& text) {
    std::size_t longest = 0;
    for (const auto& line : lines_of(text)) {
        longest = std::max(longest, line.size());
    }
    return longest;
}

round_values one_pass(double extra_other_cpu_us = 0, double bimodal = 0) {
    return {{"real_time", 1000},
            {"cpu_time", 400},
            {"bytes_per_second", 2.5e9},
            {"receiver_cpu_us", 300},
            {"service_demand_us_per_kib", 0.5},
            {"other_cpu_us", extra_other_cpu_us},
            {"steal_us", 0},
            {"pass_bimodal", bimodal}};
}

const std::string kName =
    "sendfile/tcp4/discard/warm/file:67108864/block:65536/conns:1/"
    "placement:split";

TEST(ConsoleReport, RowShowsTheNumbersWithoutRealTime) {
    EXPECT_EQ(row_name(kName + "/real_time"), kName);
    EXPECT_EQ(row_name("BM_Other/8"), "BM_Other/8");
    const round_values values = one_pass();
    const std::size_t width = name_column_width(kName.size());
    const std::string row = console_row(kName, "", values, std::span(&values, 1), width);
    EXPECT_EQ(row.find(kName), 0u) << row;
    for (const char* number : {" 2500 ", " 400.0 ", " 300.0 ", " 0.5"}) {
        EXPECT_NE(row.find(number), std::string::npos) << number << " in " << row;
    }
    EXPECT_EQ(row.find('*'), std::string::npos) << row;
    EXPECT_LE(longest_line(console_header(width) + row), kConsoleWidth);
}

TEST(ConsoleReport, FlaggedRowGetsItsMark) {
    const round_values values = one_pass(500, 1);
    const std::size_t width = name_column_width(kName.size());
    const std::string row = console_row(kName, "", values, std::span(&values, 1), width);
    EXPECT_NE(row.find("* other 50%, bimodal"), std::string::npos) << row;
}

TEST(ConsoleReport, LongNameGetsItsOwnLinesAndEveryLineFits) {
    const std::string long_name = kName + "/" + std::string(150, 'x') + "/" + std::string(40, 'y');
    const round_values values = one_pass(500, 1);
    const std::size_t width = name_column_width(long_name.size());
    const std::string out =
        console_header(width) +
        console_row(long_name, "median of 9", values, std::span(&values, 1), width) +
        console_failure(long_name, std::string(400, 'e'), width);
    EXPECT_LE(longest_line(out), kConsoleWidth) << out;
    EXPECT_NE(out.find(std::string(150, 'x')), std::string::npos) << out;
    EXPECT_NE(out.find("failed: eee"), std::string::npos) << out;
}

TEST(ConsoleReport, CountersFlag) {
    for (const auto& [arg, all] : {std::pair<std::string, bool>{"--sfb_counters=all", true},
                                   {"--sfb_counters=compact", false}}) {
        std::vector<std::string> storage{"bench_sendfile", arg};
        std::vector<char*> argv{storage[0].data(), storage[1].data(), nullptr};
        int argc = 2;
        suite_options options;
        std::string error;
        ASSERT_TRUE(parse_suite_flags(argc, argv.data(), options, error)) << error;
        EXPECT_EQ(options.all_counters, all) << arg;
    }
    std::string bad = "--sfb_counters=some";
    std::vector<char*> argv{bad.data(), bad.data(), nullptr};
    int argc = 2;
    suite_options options;
    std::string error;
    EXPECT_FALSE(parse_suite_flags(argc, argv.data(), options, error));
    EXPECT_NE(error.find("compact or all"), std::string::npos) << error;
}

TEST(ConsoleReport, OnlyTheConsoleFormatGetsTheCompactRows) {
    const auto outputs = [](std::vector<std::string> args) {
        args.insert(args.begin(), "bench_sendfile");
        std::vector<const char*> argv;
        for (const auto& arg : args) {
            argv.push_back(arg.c_str());
        }
        return find_json_outputs(static_cast<int>(argv.size()), argv.data());
    };
    ::unsetenv("BENCHMARK_FORMAT");  // the flags decide, not the environment
    EXPECT_TRUE(outputs({}).console);
    EXPECT_TRUE(outputs({"--benchmark_out=x.json"}).console);
    EXPECT_FALSE(outputs({"--benchmark_format=csv"}).console);
    EXPECT_FALSE(outputs({"--benchmark_format=json"}).console);
    EXPECT_TRUE(outputs({"--benchmark_format=json", "--benchmark_format=console"}).console);
}

// A tiny plan: read_send and sendfile, one 64 KiB file, split placement.
std::vector<std::string> tiny_plan(const temp_dir& dir, std::vector<std::string> extra) {
    std::vector<std::string> args{testing_support::bench_sendfile_path(),
                                  "--sfb_dir=" + dir.path(),
                                  "--sfb_paths=read_send,sendfile",
                                  "--sfb_file_sizes=64K",
                                  "--sfb_block_sizes=64K",
                                  "--sfb_receiver=discard",
                                  "--sfb_placement=split",
                                  "--benchmark_min_time=0.01"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

// The real program on the tiny plan, in a folder of its own; the split placement needs two CPUs.
class ConsoleReportProgram : public ::testing::Test {
  protected:
    void SetUp() override {
        if (::sysconf(_SC_NPROCESSORS_ONLN) < 2) {
            GTEST_SKIP() << "the split placement needs two CPUs";
        }
    }
    testing_support::child_result run_plan(std::vector<std::string> extra) const {
        return testing_support::run_child(tiny_plan(dir_, std::move(extra)));
    }

  private:
    temp_dir dir_;
};

// Every text of `present` is in `out`, none of `absent`.
void expect_output(const std::string& out, std::initializer_list<const char*> present,
                   std::initializer_list<const char*> absent) {
    for (const char* text : present) {
        EXPECT_NE(out.find(text), std::string::npos) << text << " missing from " << out;
    }
    for (const char* text : absent) {
        EXPECT_EQ(out.find(text), std::string::npos) << text << " found in " << out;
    }
}

TEST_F(ConsoleReportProgram, PrintsCompactRowsAndTheTable) {
    const auto run = run_plan({});
    ASSERT_TRUE(run.exited && run.exit_code == 0) << run.err;
    EXPECT_LE(longest_line(run.out), kConsoleWidth) << run.out;
    expect_output(run.out,
                  {"recv CPU us/pass",
                   "read_send/tcp4/discard/warm/file:65536/block:65536/conns:1/placement:split ",
                   "MB/s vs read_send", "placement split only"},
                  {"bytes_per_second="});
}

// Four rounds a side: medians in the rows, and the ratios get their intervals ("x [").
TEST_F(ConsoleReportProgram, ShowsMediansWithRepetitions) {
    const auto run = run_plan({"--benchmark_repetitions=4"});
    ASSERT_TRUE(run.exited && run.exit_code == 0) << run.err;
    EXPECT_LE(longest_line(run.out), kConsoleWidth) << run.out;
    expect_output(run.out, {"(median of 4)", "x ["}, {"_mean"});
}

TEST_F(ConsoleReportProgram, CountersAllRestoresGooglesRows) {
    const auto run = run_plan({"--sfb_counters=all"});
    ASSERT_TRUE(run.exited && run.exit_code == 0) << run.err;
    expect_output(
        run.out,
        {"bytes_per_second=", "receiver_cpu_us=", "pass_bimodal=", "service_demand_us_per_kib="},
        {"MB/s vs read_send"});
}

}  // namespace
}  // namespace sfb::bench
