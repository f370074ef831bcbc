#include "bench_process.h"
#include "merge_rounds.h"
#include "progress.h"

#include "test_support.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <cerrno>
#include <chrono>
#include <filesystem>

namespace sfb::harness {
namespace {

TEST(RunProgram, ReadsLinesAndReturnsTheStatus) {
    std::vector<std::string> lines;
    const int status = run_program({"/bin/sh", "-c", "echo one; printf 'two\\nthree'; exit 7"},
                                   [&](const std::string& line) { lines.push_back(line); });
    EXPECT_EQ(status, 7);
    EXPECT_EQ(lines, (std::vector<std::string>{"one", "two", "three"}));
}

TEST(RunProgram, KilledBySignal) {
    const int status = run_program({"/bin/sh", "-c", "kill -TERM $$"}, [](const std::string&) {});
    EXPECT_EQ(status, 128 + 15);
}

TEST(RunProgram, MissingProgram) {
    EXPECT_THROW(run_program({"/nonexistent/bench"}, [](const std::string&) {}), benchmark_failure);
}

std::size_t open_descriptors() {
    std::size_t count = 0;
    for ([[maybe_unused]] const auto& entry :
         std::filesystem::directory_iterator("/proc/self/fd")) {
        ++count;
    }
    return count;
}

// The line callback throwing (e.g. out of memory, or a check of the output) must not leak the
// pipe nor leave the child running or unreaped (it once did both).
TEST(RunProgram, CallbackThrowingKillsAndReapsTheChild) {
    const std::size_t descriptors = open_descriptors();
    EXPECT_THROW(run_program({"/bin/sh", "-c", "echo first; exec sleep 30"},
                             [](const std::string&) { throw std::runtime_error("stop"); }),
                 std::runtime_error);
    EXPECT_EQ(open_descriptors(), descriptors) << "the pipe leaked";
    // No child is left: neither running nor a zombie.
    errno = 0;
    EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);
    EXPECT_EQ(errno, ECHILD);
}

TEST(Progress, FormatsDurations) {
    EXPECT_EQ(format_duration(std::chrono::seconds(42)), "42s");
    EXPECT_EQ(format_duration(std::chrono::seconds(185)), "3m05s");
    EXPECT_EQ(format_duration(std::chrono::seconds(3723)), "1h02m03s");
}

TEST(CheckExecutable, RejectsMissingAndNonExecutable) {
    EXPECT_THROW(check_executable("/nonexistent/bench_sendfile"), input_error);
    EXPECT_THROW(check_executable(testing::data("sfb_base.json")), input_error);
    EXPECT_NO_THROW(check_executable("/bin/sh"));
}

ordered_json round_entry(const std::string& name, int family, double real, double cpu, double bps) {
    ordered_json e = ordered_json::object();
    e["name"] = name;
    e["family_index"] = family;
    e["per_family_instance_index"] = 0;
    e["run_name"] = name;
    e["run_type"] = "iteration";
    e["repetitions"] = 1;
    e["repetition_index"] = 0;
    e["threads"] = 1;
    e["iterations"] = 10;
    e["real_time"] = real;
    e["cpu_time"] = cpu;
    e["time_unit"] = "us";
    e["bytes_per_second"] = bps;
    return e;
}

TEST(MergeRounds, RenumbersRepetitionsAndRecomputesAggregates) {
    std::vector<ordered_json> rounds;
    const double reals[] = {10, 30, 20};
    for (int r = 0; r < 3; ++r) {
        ordered_json doc = ordered_json::object();
        doc["context"] = ordered_json::object({{"machine_fingerprint", "m"}, {"round", r}});
        // Interleaving shuffles the order inside each round.
        ordered_json b = ordered_json::array();
        if (r % 2 == 0) {
            b.push_back(round_entry("B", 1, reals[r] * 2, reals[r], 100.0 * (r + 1)));
            b.push_back(round_entry("A", 0, reals[r], reals[r] / 2, 10.0 * (r + 1)));
        } else {
            b.push_back(round_entry("A", 0, reals[r], reals[r] / 2, 10.0 * (r + 1)));
            b.push_back(round_entry("B", 1, reals[r] * 2, reals[r], 100.0 * (r + 1)));
        }
        doc["benchmarks"] = b;
        rounds.push_back(doc);
    }
    const ordered_json merged = merge_rounds(rounds);
    EXPECT_EQ(merged["context"]["round"], 0);
    EXPECT_EQ(merged["context"]["sfb_harness_rounds"], "3");
    const ordered_json& b = merged["benchmarks"];
    ASSERT_EQ(b.size(), 14u);      // 2 benchmarks x (3 repetitions + 4 aggregates)
    EXPECT_EQ(b[0]["name"], "A");  // family order, whatever the rounds' order
    EXPECT_EQ(b[0]["repetition_index"], 0);
    EXPECT_EQ(b[2]["repetition_index"], 2);
    EXPECT_EQ(b[2]["repetitions"], 3);
    EXPECT_EQ(b[3]["name"], "A_mean");
    EXPECT_EQ(b[3]["run_type"], "aggregate");
    EXPECT_DOUBLE_EQ(b[3]["real_time"].get<double>(), 20);
    EXPECT_EQ(b[4]["name"], "A_median");
    EXPECT_DOUBLE_EQ(b[4]["real_time"].get<double>(), 20);
    EXPECT_DOUBLE_EQ(b[4]["bytes_per_second"].get<double>(), 20);
    EXPECT_EQ(b[5]["name"], "A_stddev");
    EXPECT_DOUBLE_EQ(b[5]["real_time"].get<double>(), 10);
    EXPECT_EQ(b[6]["name"], "A_cv");
    EXPECT_EQ(b[6]["aggregate_unit"], "percentage");
    EXPECT_DOUBLE_EQ(b[6]["real_time"].get<double>(), 0.5);
    EXPECT_EQ(b[7]["name"], "B");

    // The merged document reads back as 3 repetitions per benchmark, aggregates ignored.
    result_set set;
    add_benchmark_document(set, merged, "merged");
    EXPECT_EQ(set.find("A")->repetitions.size(), 3u);
    EXPECT_EQ(set.find("B")->values("cpu_time"), (std::vector<double>{10, 30, 20}));
}

}  // namespace
}  // namespace sfb::harness
