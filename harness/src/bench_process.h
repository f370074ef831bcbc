// Running a Google Benchmark program (bench_sendfile or another) in rounds; merge_rounds.h
// merges what the rounds wrote, process.h starts the program, progress.h reports.
//
// Each round is one process with --benchmark_repetitions=1 and random interleaving, so a
// benchmark's repetitions come from separate processes (state such as memory layout and page
// cache placement is drawn afresh each time, which keeps the repetitions closer to the
// independent samples the Mann-Whitney test assumes), and progress can be shown per benchmark
// as each round's console output arrives: Google Benchmark reports a benchmark only once all
// of its repetitions in a process are done.
#pragma once

#include "benchmark_json.h"
#include "process.h"

#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <vector>

namespace sfb::harness {

// A temporary folder (in $TMPDIR, else /tmp) removed with everything in it when the object
// goes away. std::system_error naming the folder and the cause when it cannot be created or
// its file system is full.
class temporary_folder {
  public:
    temporary_folder();
    ~temporary_folder();
    temporary_folder(const temporary_folder&) = delete;
    temporary_folder& operator=(const temporary_folder&) = delete;
    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
};

// bench_sendfile next to this executable in the build tree: <dir of sfb>/../benchmarks/.
std::filesystem::path default_bench_path();
// Checks that `path` is an executable file; input_error otherwise.
void check_executable(const std::filesystem::path& path);

// The benchmark names the program would run with these arguments (--benchmark_list_tests).
std::vector<std::string> list_benchmarks(const std::filesystem::path& program,
                                         const std::vector<std::string>& args);

struct round_settings {
    double warmup_seconds = 0.1;    // --benchmark_min_warmup_time, per benchmark and round
    std::vector<std::string> args;  // passed through to the program
    bool verbose = false;           // echo everything the program prints
};

// One round: every benchmark once, in random order. on_done(name) is called as each benchmark
// of `names` (from list_benchmarks) finishes. Returns the parsed JSON the program wrote;
// benchmark_failure when it exits non-zero, reports a failed benchmark (error_occurred), or
// writes something that is not benchmark output (naming a full temporary folder as such).
ordered_json run_round(const std::filesystem::path& program, const round_settings& settings,
                       const std::filesystem::path& json_out, const std::set<std::string>& names,
                       const std::function<void(const std::string&)>& on_done);

}  // namespace sfb::harness
