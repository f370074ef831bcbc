// What the subcommands of sfb share (each is in cmd_<name>.cpp; commands.cpp dispatches): the
// table entry each one gives the dispatcher, and the options, checks and output that several
// of them use.
#pragma once

#include "bench_process.h"
#include "benchmark_json.h"
#include "cli.h"
#include "compare.h"
#include "suite_report.h"

#include <filesystem>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace sfb::harness {

// A subcommand but kernels (cmd_kernels.h): what `sfb NAME --help` shows, its options, and what
// it does with what was parsed.
struct subcommand {
    std::string_view name;
    const char* usage;
    const char* description;
    std::vector<option_spec> options;
    int (*run)(const parsed_args& args);
};

subcommand run_subcommand();      // cmd_run.cpp
subcommand compare_subcommand();  // cmd_compare.cpp
subcommand report_subcommand();   // cmd_report.cpp
subcommand ab_subcommand();       // cmd_ab.cpp
subcommand export_subcommand();   // cmd_export.cpp

// Each round starts the benchmark program once; more rounds than this are a mistake (a
// day of rounds at a second each), and the statistics' caps (confidence.h) assume fewer.
inline constexpr unsigned kMaxRounds = 100'000;

// --color, which every command with text output takes.
option_spec colour_option();
// --warmup, --verbose, --results-dir and --no-store: the options of the commands that run the
// benchmark program (run, ab, kernels), each described once.
option_spec warmup_option();
option_spec verbose_option();
option_spec results_dir_option();
option_spec no_store_option();
// The options of compare, which ab takes too.
std::vector<option_spec> compare_option_specs();

// Whether --color asks for colour: only then may printed text hold colour sequences.
bool use_colour(const parsed_args& args);
output_format parse_output_format(const parsed_args& args);
compare_options parse_compare_options(const parsed_args& args);

// --filter REGEX: usage_error for a bad expression.
std::optional<std::regex> filter_from(const parsed_args& args);
// The benchmarks --filter keeps; input_error naming `label` when it keeps none.
result_set filtered(const result_set& set, const std::optional<std::regex>& filter,
                    const parsed_args& args, const std::string& label);

// Standard output: names from the results are escaped, and no line of a table grows past
// 64 KiB (JSON output is ASCII already, and its lines are left whole).
void print(const std::string& text);

// Prints the comparison in --format (and appends it to --summary); returns its exit code.
int emit_comparison(const comparison_result& comparison, const parsed_args& args);

// The benchmark program the option names (default: bench_sendfile of this build tree),
// checked to be executable.
std::filesystem::path bench_from(const parsed_args& args, const char* option);
// --warmup, the arguments after -- and --verbose, for run_round.
round_settings parse_round_settings(const parsed_args& args);

// After a write failed at the end of a run: the result goes to a file of its own, named in
// the message, so the measurements are not lost.
std::string keep_after_failure(const std::string& failure, const std::string& content);

}  // namespace sfb::harness
