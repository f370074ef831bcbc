// Running a Google Benchmark program (bench_sendfile or another) in rounds and merging what
// the rounds wrote into one Google Benchmark JSON document.
//
// Each round is one process with --benchmark_repetitions=1 and random interleaving, so a
// benchmark's repetitions come from separate processes (state such as memory layout and page
// cache placement is drawn afresh each time, which keeps the repetitions closer to the
// independent samples the Mann-Whitney test assumes), and progress can be shown per benchmark
// as each round's console output arrives: Google Benchmark reports a benchmark only once all
// of its repetitions in a process are done.
#pragma once

#include "benchmark_json.hpp"

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace sfb::harness {

// The benchmark program could not be started or failed. Exit code 3.
class BenchmarkFailure : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// A temporary folder removed with everything in it when the object goes away.
class TemporaryFolder {
  public:
    TemporaryFolder();
    ~TemporaryFolder();
    TemporaryFolder(const TemporaryFolder&) = delete;
    TemporaryFolder& operator=(const TemporaryFolder&) = delete;
    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
};

// Runs argv (argv[0] a path, or a name looked up in PATH), calling on_line for every line the
// program writes to its standard output, and to its standard error too with capture_stderr
// (otherwise that goes to ours). Returns the exit status as the shell reports it (128 +
// signal when killed). Throws BenchmarkFailure when the program cannot be started.
int run_program(const std::vector<std::string>& argv,
                const std::function<void(const std::string&)>& on_line,
                bool capture_stderr = false);

// bench_sendfile next to this executable in the build tree: <dir of sfb>/../benchmarks/.
std::filesystem::path default_bench_path();
// Checks that `path` is an executable file; InputError otherwise.
void check_executable(const std::filesystem::path& path);

// The benchmark names the program would run with these arguments (--benchmark_list_tests).
std::vector<std::string> list_benchmarks(const std::filesystem::path& program,
                                         const std::vector<std::string>& args);

struct RoundSettings {
    double warmup_seconds = 0.1;    // --benchmark_min_warmup_time, per benchmark and round
    std::vector<std::string> args;  // passed through to the program
    bool verbose = false;           // echo everything the program prints
};

// One round: every benchmark once, in random order. on_done(name) is called as each benchmark
// of `names` (from list_benchmarks) finishes. Returns the parsed JSON the program wrote;
// BenchmarkFailure when it fails or writes something that is not benchmark output.
Json run_round(const std::filesystem::path& program, const RoundSettings& settings,
               const std::filesystem::path& json_out, const std::set<std::string>& names,
               const std::function<void(const std::string&)>& on_done);

// One document from several rounds: the first round's context plus "sfb_harness_rounds",
// every per-repetition entry renumbered (repetition_index 0..n-1, repetitions n), and the
// aggregates Google Benchmark writes itself (mean, median, stddev, cv) recomputed over the
// merged repetitions.
Json merge_rounds(const std::vector<Json>& rounds);

// Progress on standard error: done/total, what finished last, elapsed time and an estimate of
// what is left. On a terminal one line is rewritten in place; otherwise one line per step.
class Progress {
  public:
    Progress(std::size_t total, bool terminal);
    void step(const std::string& what);
    void finish();

  private:
    std::size_t total_;
    std::size_t done_ = 0;
    bool terminal_;
    std::chrono::steady_clock::time_point start_;
};

}  // namespace sfb::harness
