// `sfb run`: the benchmark program round after round, a summary, the merged result stored.
#include "cmd_common.h"

#include "confidence.h"
#include "destinations.h"
#include "exit_codes.h"
#include "merge_rounds.h"
#include "output_guard.h"
#include "progress.h"
#include "run_quality.h"
#include "safe_text.h"
#include "store.h"
#include "table.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>
#include <chrono>
#include <optional>
#include <set>
#include <span>
#include <stdexcept>
#include <system_error>

namespace sfb::harness {

namespace {

const std::vector<option_spec> kRunOptions = {
    {"bench", "PATH", "the benchmark program (default: bench_sendfile of this build tree)"},
    {"repetitions", "N", "rounds, each one process running every benchmark once (default 9)"},
    {"target-ci", "PCT",
     "add rounds until every benchmark's 95% interval of the median real time is within "
     "+-PCT, e.g. 2%"},
    {"max-rounds", "N", "with --target-ci: stop adding rounds at N in all (default 30)"},
    warmup_option(),
    results_dir_option(),
    no_store_option(),
    verbose_option(),
    {"output", "FILE", "also write the merged JSON to FILE"},
    {"format", "text|markdown|json", "summary format (default text)"},
    colour_option(),
};

// Writes the merged run to --output and the results folder; when a write fails, the result
// is kept in a file of its own and the error names it.
void publish_run(const parsed_args& args, const ordered_json& merged,
                 std::chrono::system_clock::time_point started,
                 const std::filesystem::path& results_dir) {
    const std::string content = dump_json(merged) + "\n";
    std::vector<std::string> failures;
    if (auto output = args.value("output")) {
        try {
            write_file(*output, content);
        } catch (const std::system_error& e) {
            failures.emplace_back(e.what());
        }
    }
    if (!args.flag("no-store")) {
        const ordered_json& context = merged["context"];
        try {
            const auto path = store_result(results_dir, machine_fingerprint(context),
                                           result_stem(started, result_commit(context)), content);
            print_message("stored " + path.string());
        } catch (const std::system_error& e) {
            failures.emplace_back(e.what());
        }
    }
    if (!failures.empty()) {
        throw std::runtime_error(
            keep_after_failure(fmt::format("{}", fmt::join(failures, "; ")), content));
    }
}

// --target-ci PCT and --max-rounds N: the stopping rule of sfb run.
struct round_target {
    double fraction = 0;  // the largest relative half-width of an interval that is enough
    unsigned max_rounds = 30;
};

std::optional<round_target> parse_round_target(const parsed_args& args, unsigned repetitions) {
    const auto given = args.value("target-ci");
    if (!given) {
        if (args.value("max-rounds")) {
            throw usage_error("--max-rounds needs --target-ci");
        }
        return std::nullopt;
    }
    round_target target;
    target.fraction = parse_fraction("target-ci", *given);
    if (target.fraction <= 0) {
        throw usage_error("--target-ci must be above 0%");
    }
    if (auto cap = args.value("max-rounds")) {
        target.max_rounds = parse_count("max-rounds", *cap, 1, kMaxRounds);
    }
    if (target.max_rounds < repetitions) {
        throw usage_error(
            fmt::format("--max-rounds {} is below --repetitions {}, the rounds "
                        "run before the first check",
                        target.max_rounds, repetitions));
    }
    return target;
}

// Adds one round at a time until every benchmark's interval is within the target or the cap
// is reached (as netperf -I/-i and the Phoronix Test Suite's dynamic run count do). Returns
// the benchmarks that did not converge.
std::vector<std::string> add_rounds_until_converged(const round_target& target,
                                                    const std::filesystem::path& bench,
                                                    const round_settings& settings,
                                                    const std::set<std::string>& names,
                                                    const std::filesystem::path& folder,
                                                    std::vector<ordered_json>& rounds) {
    for (;;) {
        result_set so_far;
        add_benchmark_document(so_far, merge_rounds(rounds), "merged result");
        std::vector<std::string> open = not_converged(so_far, target.fraction);
        if (open.empty() || rounds.size() >= target.max_rounds) {
            return open;
        }
        const std::size_t round = rounds.size() + 1;
        progress_meter progress(names.size(), ::isatty(STDERR_FILENO) == 1);
        rounds.push_back(run_round(bench, settings, folder / fmt::format("round-{}.json", round),
                                   names, [&](const std::string& name) {
                                       progress.step(fmt::format(
                                           "round {} (up to {}; {} not within +-{:g}%): {}", round,
                                           target.max_rounds, open.size(), target.fraction * 100,
                                           name));
                                   }));
        progress.finish();
    }
}

// What --target-ci achieved, for the summary.
std::string convergence_text(const round_target& target, const result_set& set,
                             const std::vector<std::string>& unconverged, std::size_t rounds) {
    if (unconverged.empty()) {
        return fmt::format("every benchmark within +-{:g}% after {} rounds\n",
                           target.fraction * 100, rounds);
    }
    std::string out =
        fmt::format("{} of {} benchmarks did not converge to +-{:g}% in {} rounds:\n",
                    unconverged.size(), set.benchmarks.size(), target.fraction * 100, rounds);
    for (const auto& name : unconverged) {
        const benchmark_series* series = set.find(name);
        const auto ci =
            series != nullptr ? median_interval(series->values("real_time")) : std::nullopt;
        out += ci ? fmt::format("  {}: real time {} us [{}, {}], +-{:.1f}%\n", name,
                                format_number(ci->estimate), format_number(ci->low),
                                format_number(ci->high), ci->relative_half_width() * 100)
                  : fmt::format("  {}: too few rounds for an interval\n", name);
    }
    return out;
}

// Prints the convergence verdict and the warnings (unless the output is JSON) and returns
// the warnings joined, which the stored result keeps so that a reader of the file sees them.
std::string report_run_warnings(const result_set& set, const std::optional<round_target>& target,
                                const std::vector<std::string>& unconverged, std::size_t rounds,
                                output_format format) {
    std::vector<std::string> warnings = quality_warnings(set);
    if (target) {
        const std::string verdict = convergence_text(*target, set, unconverged, rounds);
        if (format != output_format::json) {
            print(verdict);
        }
        for (const auto& name : unconverged) {
            warnings.push_back(
                name + fmt::format(": did not converge to +-{:g}%", target->fraction * 100));
        }
    }
    if (format != output_format::json) {
        for (const auto& line : warnings) {
            print("warning: " + line + "\n");
        }
    }
    return fmt::format("{}", fmt::join(warnings, "; "));
}

int run_command(const parsed_args& args) {
    reject_operands(args, "run");
    const unsigned repetitions =
        args.value("repetitions")
            ? parse_count("repetitions", *args.value("repetitions"), 1, kMaxRounds)
            : 9;
    const std::optional<round_target> target = parse_round_target(args, repetitions);
    const output_format format = parse_output_format(args);
    const bool colour = use_colour(args);
    const std::filesystem::path bench = bench_from(args, "bench");
    const round_settings settings = parse_round_settings(args);
    // Every destination is checked before the first round, not after the last one.
    if (auto output = args.value("output")) {
        check_writable_file("output", *output);
        const named_output outputs[] = {{"output", *output}};
        refuse_outputs_among_inputs(outputs, std::span(&bench, 1));
    }
    const std::filesystem::path results_dir = args.value("results-dir").value_or("results");
    if (!args.flag("no-store")) {
        check_writable_folder("results-dir", results_dir);
    }

    const auto started = std::chrono::system_clock::now();
    const std::vector<std::string> names = list_benchmarks(bench, settings.args);
    if (names.empty()) {
        throw input_error(bench, "no benchmark matches the arguments given");
    }
    const std::set<std::string> name_set(names.begin(), names.end());
    temporary_folder temporary;
    progress_meter progress(names.size() * repetitions, ::isatty(STDERR_FILENO) == 1);
    std::vector<ordered_json> rounds;
    for (unsigned round = 1; round <= repetitions; ++round) {
        rounds.push_back(
            run_round(bench, settings, temporary.path() / fmt::format("round-{}.json", round),
                      name_set, [&](const std::string& name) {
                          progress.step(fmt::format("round {}/{}: {}", round, repetitions, name));
                      }));
    }
    progress.finish();
    std::vector<std::string> unconverged;
    if (target) {
        unconverged = add_rounds_until_converged(*target, bench, settings, name_set,
                                                 temporary.path(), rounds);
    }

    ordered_json merged = merge_rounds(rounds);
    result_set set;
    add_benchmark_document(set, merged, "merged result");
    print(render_run_summary(set, format, colour));
    merged["context"]["sfb_harness_warnings"] =
        report_run_warnings(set, target, unconverged, rounds.size(), format);

    publish_run(args, merged, started, results_dir);
    return kExitOk;
}

}  // namespace

subcommand run_subcommand() {
    return {"run", "sfb run [options] [-- BENCHMARK ARGS...]",
            "Runs bench_sendfile (or any Google Benchmark program given with --bench) N times,\n"
            "each time every benchmark once in random order (--benchmark_enable_random_\n"
            "interleaving) after a warm-up, shows progress, prints a summary per path, and\n"
            "stores the merged Google Benchmark JSON as\n"
            "  <results-dir>/<machine fingerprint>/<UTC YYYYmmddTHHMMSSZ>-<git commit>.json\n"
            "atomically, never replacing an existing file. Arguments after -- go to the\n"
            "program, e.g. -- --sfb_paths=read_send,sendfile --benchmark_min_time=0.05",
            kRunOptions, run_command};
}

}  // namespace sfb::harness
