#include "commands.h"

#include "bench_process.h"
#include "benchmark_json.h"
#include "cli.h"
#include "compare.h"
#include "completeness.h"
#include "destinations.h"
#include "export.h"
#include "kernels.h"
#include "memory_reserve.h"
#include "merge_rounds.h"
#include "output_guard.h"
#include "progress.h"
#include "run_quality.h"
#include "safe_text.h"
#include "sequential_gate.h"
#include "stats.h"
#include "store.h"
#include "suite_report.h"
#include "table.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <new>
#include <optional>
#include <regex>
#include <set>
#include <system_error>

namespace sfb::harness {

namespace {

const char* const kExitCodes =
    "exit codes:\n"
    "  0  success (compare, ab: no regression)\n"
    "  1  compare, ab: at least one benchmark regressed\n"
    "  2  bad input or usage (the message names the file and what is wrong)\n"
    "  3  the benchmark program failed, or a result could not be written\n"
    "  4  compare, report, export: the answer is incomplete: entries of a results folder\n"
    "     were not read (each named in a warning); 1, 2 and 3 take precedence";

const std::vector<option_spec> kColourOptions = {
    {"color", "auto|always|never", "colour in text output (auto: only on a terminal)"},
};

std::vector<option_spec> compare_option_specs() {
    return {
        {"alpha", "P",
         "significance level of the test (Mann-Whitney U; Wilcoxon signed-rank with --paired; "
         "default 0.05)"},
        {"threshold", "PCT", "smallest change of the median that counts, e.g. 5% (default)"},
        {"gate", "METRICS",
         "comma-separated metrics whose regression fails (default real_time,cpu_time,"
         "pass_q25_us; pass_q25_us left out, with a note, where the results have no pass "
         "samples)"},
        {"correction", "holm|none",
         "multiple-testing correction over all gating tests (default holm)"},
        {"paired", "",
         "pair repetition i of BASE with repetition i of NEW (rounds of sfb ab) and use the "
         "Wilcoxon signed-rank test"},
        {"no-test", "", "show the changes only: no test, no verdict (exit 0)"},
        {"filter", "REGEX",
         "only benchmarks whose name REGEX finds (ECMAScript; anchor with ^, e.g. ^sendfile/)"},
        {"format", "text|markdown|json", "output format (default text)"},
        {"all-metrics", "", "text/markdown: show every counter, not only times and rates"},
        {"summary", "FILE", "also append the Markdown report to FILE (e.g. $GITHUB_STEP_SUMMARY)"},
        kColourOptions.front(),
    };
}

// Whether colour was asked for: only then may printed text hold colour sequences.
bool g_colour = false;

// Each round starts the benchmark program once; more rounds than this are a mistake (a
// day of rounds at a second each), and the statistics' caps (confidence.h) assume fewer.
constexpr unsigned kMaxRounds = 100'000;
// An hour of warm-up per benchmark and round is already far beyond any use.
constexpr double kMaxWarmupSeconds = 3600;

bool use_colour(const parsed_args& args) {
    const std::string mode = args.value("color").value_or("auto");
    if (mode == "always") {
        g_colour = true;
        return true;
    }
    if (mode == "never") {
        return false;
    }
    if (mode != "auto") {
        throw usage_error(fmt::format("--color: \"{}\" is not auto, always or never", mode));
    }
    const char* term = std::getenv("TERM");
    g_colour = ::isatty(STDOUT_FILENO) == 1 && std::getenv("NO_COLOR") == nullptr &&
               !(term != nullptr && std::string(term) == "dumb");
    return g_colour;
}

output_format parse_output_format(const parsed_args& args) {
    const std::string format = args.value("format").value_or("text");
    if (format == "text") {
        return output_format::text;
    }
    if (format == "markdown" || format == "md") {
        return output_format::markdown;
    }
    if (format == "json") {
        return output_format::json;
    }
    throw usage_error(fmt::format("--format: \"{}\" is not text, markdown or json", format));
}

compare_options parse_compare_options(const parsed_args& args) {
    compare_options options;
    if (auto alpha = args.value("alpha")) {
        options.alpha = parse_fraction("alpha", *alpha);
        if (options.alpha <= 0) {
            throw usage_error("--alpha must be above 0");
        }
    }
    if (auto threshold = args.value("threshold")) {
        options.threshold = parse_fraction("threshold", *threshold);
    }
    if (auto gate = args.value("gate")) {
        options.gate.clear();
        options.gate_given = true;
        for (const auto& metric : split_list(*gate)) {
            const auto first = metric.find_first_not_of(' ');
            if (first != std::string::npos) {
                options.gate.push_back(
                    metric.substr(first, metric.find_last_not_of(' ') - first + 1));
            }
        }
        if (options.gate.empty()) {
            // An empty gate would gate nothing: a real regression would exit 0.
            throw usage_error(
                fmt::format("--gate \"{}\" names no metric (e.g. --gate "
                            "real_time,cpu_time)",
                            *gate));
        }
        for (auto& metric : options.gate) {
            if (metric == "MB/s" || metric == "mb_per_s") {
                metric = "bytes_per_second";
            }
        }
    }
    options.run_test = !args.flag("no-test");
    const std::string correction = args.value("correction").value_or("holm");
    if (correction != "holm" && correction != "none") {
        throw usage_error(fmt::format("--correction: \"{}\" is not holm or none", correction));
    }
    options.holm = correction == "holm";
    options.paired = args.flag("paired");
    return options;
}

// --filter REGEX: usage_error for a bad expression.
std::optional<std::regex> filter_from(const parsed_args& args) {
    auto text = args.value("filter");
    if (!text) {
        return std::nullopt;
    }
    try {
        return std::regex(*text, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
        throw usage_error(
            fmt::format("--filter \"{}\": not a regular expression: {}", *text, e.what()));
    }
}

// The benchmarks --filter keeps; input_error naming `label` when it keeps none.
result_set filtered(const result_set& set, const std::optional<std::regex>& filter,
                    const parsed_args& args, const std::string& label) {
    if (!filter) {
        return set;
    }
    result_set out = filter_benchmarks(set, *filter);
    if (out.benchmarks.empty()) {
        throw input_error(
            fmt::format("{}: no benchmark matches --filter \"{}\"", label, *args.value("filter")));
    }
    return out;
}

// Standard output: names from the results are escaped, and no line of a table grows past
// 64 KiB (JSON output is ASCII already, and its lines are left whole).
void print(const std::string& text) {
    const std::string safe = safe_text(text, 64 * 1024, SIZE_MAX, g_colour);
    std::fwrite(safe.data(), 1, safe.size(), stdout);
    std::fflush(stdout);
}

int emit_comparison(const comparison_result& comparison, const parsed_args& args) {
    const output_format format = parse_output_format(args);
    const bool all = args.flag("all-metrics");
    switch (format) {
        case output_format::text:
            print(render_text(comparison, use_colour(args), all));
            break;
        case output_format::markdown:
            print(render_markdown(comparison, all));
            break;
        case output_format::json:
            print(render_json(comparison));
            break;
    }
    if (auto summary = args.value("summary")) {
        std::ofstream out(*summary, std::ios::app);
        out << render_markdown(comparison, all) << "\n";
        out.flush();
        if (!out) {
            throw std::system_error(errno, std::generic_category(), "cannot write " + *summary);
        }
    }
    return comparison.exit_code();
}

std::filesystem::path bench_from(const parsed_args& args, const char* option) {
    std::filesystem::path bench = default_bench_path();
    if (auto given = args.value(option)) {
        bench = *given;
    }
    check_executable(bench);
    return bench;
}

double warmup_from(const parsed_args& args) {
    return args.value("warmup")
               ? parse_positive_double("warmup", *args.value("warmup"), kMaxWarmupSeconds)
               : 0.1;
}

// --warmup, the arguments after -- and --verbose, for run_round.
round_settings parse_round_settings(const parsed_args& args) {
    return round_settings{.warmup_seconds = warmup_from(args),
                          .args = args.passthrough,
                          .verbose = args.flag("verbose")};
}

// After a write failed at the end of a run: the result goes to a file of its own, named in
// the message, so the measurements are not lost.
std::string keep_after_failure(const std::string& failure, const std::string& content) {
    const auto kept = keep_unsaved(content);
    return kept.empty() ? failure + "; the result could not be kept anywhere else either"
                        : fmt::format("{}; the result was kept in {}", failure, kept.string());
}

// --- run ---------------------------------------------------------------------------------

const std::vector<option_spec> kRunOptions = {
    {"bench", "PATH", "the benchmark program (default: bench_sendfile of this build tree)"},
    {"repetitions", "N", "rounds, each one process running every benchmark once (default 9)"},
    {"target-ci", "PCT",
     "add rounds until every benchmark's 95% interval of the median real time is within "
     "+-PCT, e.g. 2%"},
    {"max-rounds", "N", "with --target-ci: stop adding rounds at N in all (default 30)"},
    {"warmup", "SECONDS", "warm-up per benchmark and round (default 0.1)"},
    {"results-dir", "DIR", "where results are stored (default: results)"},
    {"no-store", "", "print the summary only, store nothing"},
    {"verbose", "", "show everything the benchmark program prints"},
    {"output", "FILE", "also write the merged JSON to FILE"},
    {"format", "text|markdown|json", "summary format (default text)"},
    kColourOptions.front(),
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

// --- compare -----------------------------------------------------------------------------

int compare_command(const parsed_args& args) {
    if (args.positional.size() != 2) {
        throw usage_error(
            "compare needs exactly two operands, BASE and NEW (see sfb compare "
            "--help)");
    }
    const compare_options options = parse_compare_options(args);
    parse_output_format(args);  // reject a bad --format before reading anything
    use_colour(args);
    filter_from(args);
    const std::filesystem::path base_path = args.positional[0];
    const std::filesystem::path new_path = args.positional[1];
    if (auto summary = args.value("summary")) {
        // Checked before anything is read: a FIFO nobody reads would block the append forever.
        check_writable_file("summary", *summary);
        const named_output outputs[] = {{"summary", *summary}};
        const std::filesystem::path inputs[] = {base_path, new_path};
        refuse_outputs_among_inputs(outputs, inputs);
    }
    const auto filter = filter_from(args);
    const result_set base =
        filtered(load_results(std::span(&base_path, 1)), filter, args, base_path.string());
    const result_set candidate =
        filtered(load_results(std::span(&new_path, 1)), filter, args, new_path.string());
    return emit_comparison(
        compare_results(base, candidate, options, base_path.string(), new_path.string()), args);
}

// --- report ------------------------------------------------------------------------------

const std::vector<option_spec> kReportOptions = {
    {"path", "NAMES", "only these paths (comma-separated); read_send is kept for speed-ups"},
    {"file-size", "SIZES", "only these file sizes (e.g. 65536,1M,64M)"},
    {"block-size", "SIZES", "only these block sizes (e.g. 64K)"},
    {"format", "text|markdown|json", "output format (default text)"},
    kColourOptions.front(),
};

int report_command(const parsed_args& args) {
    report_filters filters;
    if (auto paths = args.value("path")) {
        filters.paths = split_list(*paths);
    }
    if (auto sizes = args.value("file-size")) {
        for (const auto& s : split_list(*sizes)) {
            filters.file_sizes.push_back(parse_bytes("file-size", s));
        }
    }
    if (auto sizes = args.value("block-size")) {
        for (const auto& s : split_list(*sizes)) {
            filters.block_sizes.push_back(parse_bytes("block-size", s));
        }
    }
    std::vector<std::filesystem::path> inputs(args.positional.begin(), args.positional.end());
    if (inputs.empty()) {
        inputs.emplace_back("results");
    }
    print(render_report(inputs, filters, parse_output_format(args), use_colour(args)));
    return kExitOk;
}

// --- ab ----------------------------------------------------------------------------------

std::vector<option_spec> ab_option_specs() {
    std::vector<option_spec> specs = {
        {"base", "PATH", "the base build's benchmark program (required)"},
        {"candidate", "PATH", "the candidate build's benchmark program (required)"},
        {"rounds", "N",
         "rounds before the first look and between looks; each round runs both programs once, "
         "every benchmark once (default 15)"},
        {"max-rounds", "N",
         "stop adding rounds at N (default 45; with --rounds alone: that many, one look)"},
        {"time-limit", "MINUTES",
         "start no batch of rounds that would end after MINUTES, at the pace so far; the first "
         "batch always runs (default 5; 0: no limit)"},
        {"unpaired", "", "the Mann-Whitney U test over independent rounds instead of --paired"},
        {"warmup", "SECONDS", "warm-up per benchmark and run (default 0.1)"},
        {"verbose", "", "show everything the benchmark programs print"},
        {"save-base", "FILE", "also write the base's merged JSON to FILE"},
        {"save-candidate", "FILE", "also write the candidate's merged JSON to FILE"},
        {"save-comparison", "FILE",
         "also write the final comparison as JSON to FILE (what --format json prints)"},
    };
    auto compare_specs = compare_option_specs();
    for (auto& spec : compare_specs) {
        if (spec.name == "alpha") {  // ab gates every change of a CI run: a stricter default
            spec.help =
                "significance level over the whole run (Wilcoxon signed-rank; Mann-Whitney U "
                "with --unpaired; default 0.01)";
        }
    }
    specs.insert(specs.end(), compare_specs.begin(), compare_specs.end());
    return specs;
}

// Writes the merged JSON where --save-base / --save-candidate say; the message of a failure.
std::optional<std::string> save_json(const parsed_args& args, const char* option,
                                     const std::string& content) {
    if (auto file = args.value(option)) {
        try {
            write_file(*file, content);
        } catch (const std::system_error& e) {
            return e.what();
        }
    }
    return std::nullopt;
}

// Fail before spending minutes on runs that no test could judge: once with one test, before
// anything runs, and again with the `tests` gating tests (Holm) once the programs have listed
// their benchmarks, before the first round.
void check_rounds_suffice(const compare_options& options, unsigned rounds, std::size_t tests = 1) {
    const double factor = options.holm ? static_cast<double>(std::max<std::size_t>(tests, 1)) : 1;
    auto smallest_p = [&](unsigned n) {
        return factor * (options.paired ? wilcoxon_min_p_value(n) : mann_whitney_min_p_value(n, n));
    };
    if (options.run_test && smallest_p(rounds) >= options.alpha) {
        unsigned needed = rounds;
        while (smallest_p(needed) >= options.alpha) {
            ++needed;
        }
        throw usage_error(fmt::format(
            "--rounds {} is too few for the {} test at alpha {}{}; use {} or more, or --no-test",
            rounds, rank_test_name(options), options.alpha,
            factor > 1 ? fmt::format(" over {} gating tests (Holm)", tests) : "", needed));
    }
}

// The rounds of both programs, interleaved A B, B A, A B, ...: what each wrote, per side.
// Rounds are added in batches, so that the gate can look between them.
class ab_rounds {
  public:
    ab_rounds(const std::filesystem::path (&programs)[2], const round_settings& settings,
              unsigned max_rounds)
        : programs_{programs[0], programs[1]},
          settings_(settings),
          max_rounds_(max_rounds),
          progress_(count_benchmarks(programs, settings, names_) * max_rounds,
                    ::isatty(STDERR_FILENO) == 1) {}

    // Runs rounds until there are `rounds` of each side.
    void run_until(unsigned rounds) {
        static const char* const labels[2] = {"base", "candidate"};
        for (unsigned round = rounds_done() + 1; round <= rounds; ++round) {
            const int order[2] = {round % 2 == 1 ? 0 : 1, round % 2 == 1 ? 1 : 0};
            for (int side : order) {
                const auto i = static_cast<std::size_t>(side);
                outputs_[i].push_back(
                    run_round(programs_[i], settings_,
                              temporary_.path() / fmt::format("{}-{}.json", labels[side], round),
                              names_[i], [&](const std::string& name) {
                                  progress_.step(fmt::format("round {}/{} {}: {}", round,
                                                             max_rounds_, labels[side], name));
                              }));
            }
        }
    }
    void finish() { progress_.finish(); }
    // How many benchmarks both programs listed that --filter keeps.
    std::size_t common_benchmarks(const std::optional<std::regex>& filter) const {
        return static_cast<std::size_t>(
            std::count_if(names_[0].begin(), names_[0].end(), [&](const std::string& name) {
                return names_[1].contains(name) && (!filter || std::regex_search(name, *filter));
            }));
    }
    unsigned rounds_done() const { return static_cast<unsigned>(outputs_[1].size()); }
    const std::vector<ordered_json>& of(std::size_t side) const { return outputs_[side]; }

  private:
    static std::size_t count_benchmarks(const std::filesystem::path (&programs)[2],
                                        const round_settings& settings,
                                        std::set<std::string> (&names)[2]) {
        for (std::size_t side = 0; side < 2; ++side) {
            const auto listed = list_benchmarks(programs[side], settings.args);
            if (listed.empty()) {
                throw input_error(programs[side], "no benchmark matches the arguments given");
            }
            names[side].insert(listed.begin(), listed.end());
        }
        return names[0].size() + names[1].size();
    }

    std::filesystem::path programs_[2];
    round_settings settings_;
    unsigned max_rounds_;
    std::set<std::string> names_[2];
    progress_meter progress_;
    temporary_folder temporary_;
    std::array<std::vector<ordered_json>, 2> outputs_;
};

// The significance level of `sfb ab` unless --alpha is given: a gate that runs on every pull
// request must rarely cry wolf; with the sequential plan's defaults it still catches a 10%
// change on a noisy 2-CPU machine (harness/README.md, "Quality bars, measured").
constexpr double kAbDefaultAlpha = 0.01;

// --rounds, --max-rounds and --time-limit: the looks of the sequential gate
// (sequential_gate.h). With neither count, looks at 15, 30 and 45 rounds; --rounds alone keeps a
// fixed number of rounds.
sequential_plan parse_sequential_plan(const parsed_args& args) {
    sequential_plan plan;
    const auto rounds = args.value("rounds");
    if (rounds) {
        plan.batch = parse_count("rounds", *rounds, 1, kMaxRounds);
        plan.max_rounds = plan.batch;
    }
    if (auto cap = args.value("max-rounds")) {
        plan.max_rounds = parse_count("max-rounds", *cap, 1, kMaxRounds);
        if (plan.max_rounds < plan.batch) {
            throw usage_error(
                fmt::format("--max-rounds {} is below --rounds {}", plan.max_rounds, plan.batch));
        }
    }
    if (args.flag("no-test")) {
        plan.max_rounds = plan.batch;  // nothing to look at: one batch
    }
    if (auto limit = args.value("time-limit")) {
        plan.time_limit_seconds =
            *limit == "0" ? 0 : parse_positive_double("time-limit", *limit) * 60;
    }
    return plan;
}

// --save-base and --save-candidate; a failed write keeps the result elsewhere and names it.
void save_ab_results(const parsed_args& args, const ordered_json& merged_base,
                     const ordered_json& merged_candidate) {
    std::string failures;
    for (const auto& [option, merged] :
         {std::pair{"save-base", &merged_base}, std::pair{"save-candidate", &merged_candidate}}) {
        const std::string content = dump_json(*merged) + "\n";
        if (auto failure = save_json(args, option, content)) {
            failures += (failures.empty() ? "" : "; ") + keep_after_failure(*failure, content);
        }
    }
    if (!failures.empty()) {
        throw std::runtime_error(failures);
    }
}

int ab_command(const parsed_args& args) {
    reject_operands(args, "ab");
    if (!args.value("base") || !args.value("candidate")) {
        throw usage_error("ab needs --base PROGRAM and --candidate PROGRAM");
    }
    if (args.flag("paired") && args.flag("unpaired")) {
        throw usage_error("--paired and --unpaired exclude each other");
    }
    compare_options options = parse_compare_options(args);
    options.paired = !args.flag("unpaired");  // ab's rounds are paired by construction
    if (!args.value("alpha")) {
        options.alpha = kAbDefaultAlpha;
    }
    parse_output_format(args);
    use_colour(args);
    filter_from(args);
    const sequential_plan plan = parse_sequential_plan(args);
    compare_options look_options = options;
    look_options.alpha = plan.look_alpha(options.alpha);
    check_rounds_suffice(look_options, plan.batch);
    std::vector<named_output> outputs;
    for (const char* option : {"save-base", "save-candidate", "save-comparison", "summary"}) {
        if (auto file = args.value(option)) {
            check_writable_file(option, *file);
            outputs.emplace_back(option, *file);
        }
    }
    const std::filesystem::path programs[2] = {bench_from(args, "base"),
                                               bench_from(args, "candidate")};
    refuse_outputs_among_inputs(outputs, programs);
    ab_rounds rounds(programs, parse_round_settings(args), plan.max_rounds);
    const auto filter = filter_from(args);
    check_rounds_suffice(look_options, plan.batch,
                         rounds.common_benchmarks(filter) * options.gate.size());
    const auto started = std::chrono::steady_clock::now();
    for (unsigned look = 1;; ++look) {
        rounds.run_until(plan.rounds_at(look));
        const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - started;
        const bool out_of_time =
            next_batch_exceeds_limit(elapsed.count(), rounds.rounds_done(),
                                     plan.rounds_at(look + 1), plan.time_limit_seconds);
        const ordered_json merged_base = merge_rounds(rounds.of(0));
        const ordered_json merged_candidate = merge_rounds(rounds.of(1));
        result_set base_all;
        add_benchmark_document(base_all, merged_base, programs[0]);
        result_set candidate_all;
        add_benchmark_document(candidate_all, merged_candidate, programs[1]);
        const result_set base = filtered(base_all, filter, args, programs[0].string());
        const result_set candidate = filtered(candidate_all, filter, args, programs[1].string());
        comparison_result comparison = compare_results(base, candidate, look_options,
                                                       programs[0].string(), programs[1].string());
        const look_decision decision =
            decide_after_look(comparison, look >= plan.looks(), out_of_time);
        if (decision == look_decision::go_on) {
            continue;
        }
        rounds.finish();
        if (plan.looks() > 1) {
            comparison.notes.push_back(describe_stop(plan, look, decision, options.alpha));
        }
        save_ab_results(args, merged_base, merged_candidate);
        if (auto file = args.value("save-comparison")) {
            write_file(*file, render_json(comparison));
        }
        return emit_comparison(comparison, args);
    }
}

// --- export ------------------------------------------------------------------------------

const std::vector<option_spec> kExportOptions = {
    {"format", "FORMAT",
     "github-action-benchmark-bigger, github-action-benchmark-smaller or bencher (required)"},
    {"filter", "REGEX", "only benchmarks whose name REGEX finds (e.g. ^sendfile/)"},
    {"output", "FILE", "write to FILE instead of standard output"},
};

int export_command(const parsed_args& args) {
    const auto format_text = args.value("format");
    if (!format_text) {
        throw usage_error(
            "export needs --format (github-action-benchmark-bigger, "
            "github-action-benchmark-smaller or bencher)");
    }
    const export_format format = parse_export_format(*format_text);
    if (args.positional.empty()) {
        throw usage_error("export needs at least one result file or folder");
    }
    const auto filter = filter_from(args);
    const std::vector<std::filesystem::path> inputs(args.positional.begin(), args.positional.end());
    if (auto output = args.value("output")) {
        const named_output outputs[] = {{"output", *output}};
        refuse_outputs_among_inputs(outputs, inputs);
        check_writable_file("output", *output);
    }
    const result_set set = filtered(load_results(inputs), filter, args, inputs.front().string());
    const std::string text = render_export(export_entries(set), format);
    if (auto output = args.value("output")) {
        write_file(*output, text);
    } else {
        print(text);
    }
    return kExitOk;
}

// The subcommands but kernels (kernels.cpp): what `sfb NAME --help` shows, their options, and
// what they do with what was parsed.
struct subcommand {
    std::string_view name;
    const char* usage;
    const char* description;
    std::vector<option_spec> options;
    int (*run)(const parsed_args& args);
};

const subcommand kSubcommands[] = {
    {"run", "sfb run [options] [-- BENCHMARK ARGS...]",
     "Runs bench_sendfile (or any Google Benchmark program given with --bench) N times,\n"
     "each time every benchmark once in random order (--benchmark_enable_random_\n"
     "interleaving) after a warm-up, shows progress, prints a summary per path, and\n"
     "stores the merged Google Benchmark JSON as\n"
     "  <results-dir>/<machine fingerprint>/<UTC YYYYmmddTHHMMSSZ>-<git commit>.json\n"
     "atomically, never replacing an existing file. Arguments after -- go to the\n"
     "program, e.g. -- --sfb_paths=read_send,sendfile --benchmark_min_time=0.05",
     kRunOptions, run_command},
    {"compare", "sfb compare [options] BASE NEW",
     "Compares two sets of Google Benchmark JSON results (each a file or a folder,\n"
     "searched recursively for *.json; a folder's files are pooled). For every\n"
     "benchmark in both: the medians over the repetitions of real time, CPU time,\n"
     "MB/s and every counter, their relative change, and a two-sided Mann-Whitney U\n"
     "test (with --paired: the Wilcoxon signed-rank test over paired rounds). A\n"
     "gating metric regressed when its p-value, Holm-adjusted over all gating tests\n"
     "of the comparison, is below alpha AND it changed for the worse by at least the\n"
     "threshold. Aggregate entries (mean, median, ...) are ignored; the test needs\n"
     "per-repetition entries: enough that the smallest possible adjusted p-value is\n"
     "below alpha (9 per side suits up to ~1000 gating tests at alpha 0.05). Fewer is\n"
     "an error (exit 2) unless --no-test is given. Benchmarks on one side only are\n"
     "listed.",
     compare_option_specs(), compare_command},
    {"report", "sfb report [options] [DIR|FILE...]",
     "One table over stored results (default: the folder results): per configuration,\n"
     "path and machine (machine_fingerprint), MB/s and CPU usec/pass as median with\n"
     "interquartile range over all repetitions of all runs, and the speed-up over\n"
     "read_send (median and IQR of the ratios of every repetition of the path to every\n"
     "repetition of read_send on the same machine and configuration).",
     kReportOptions, report_command},
    {"ab", "sfb ab --base PROGRAM --candidate PROGRAM [options] [-- BENCHMARK ARGS...]",
     "A/B regression gate for CI: runs two builds of the benchmark program on this\n"
     "machine interleaved, round after round (A B, then B A, then A B, ...: the order\n"
     "alternates so that a steady drift of the machine cancels out), each run doing\n"
     "every benchmark once in random order, then compares base against candidate as\n"
     "`sfb compare` does, with the same options, output and exit codes, pairing round i\n"
     "of both (Wilcoxon signed-rank; --unpaired: Mann-Whitney U). Sequential: it looks\n"
     "after every --rounds rounds (15) and stops at the first look where a gating metric\n"
     "regressed, or where every gating metric's 95% interval of the change lies within\n"
     "the threshold; otherwise it adds rounds up to --max-rounds (45), starting no batch\n"
     "that would end after --time-limit (5 minutes). Each of the K planned looks tests\n"
     "at alpha/K, so the false-alarm rate stays below alpha (default 0.01 for ab).\n"
     "--rounds alone runs that many rounds and looks once. Arguments after -- go to both\n"
     "programs; each benchmark runs bench_sendfile's default 0.3 s a round unless\n"
     "--benchmark_min_time says otherwise (fewer, longer rounds detect more per minute\n"
     "on a noisy machine: harness/README.md, \"Quality bars, measured\").",
     ab_option_specs(), ab_command},
    {"export", "sfb export --format FORMAT [options] FILE|DIR...",
     "Exports raw bench_sendfile (or any Google Benchmark) output, or stored results,\n"
     "for CI dashboards: one entry per benchmark and metric, the median over the\n"
     "repetitions with the interquartile range as its range. MB/s is bigger-is-better;\n"
     "real time per pass, sender CPU per pass (cpu_time) and service demand are\n"
     "smaller-is-better (times in us). Formats: github-action-benchmark's\n"
     "customBiggerIsBetter and customSmallerIsBetter JSON (one file each), and the\n"
     "Bencher Metric Format (all measures in one file).",
     kExportOptions, export_command},
};

const char* const kTopHelp =
    "usage: sfb COMMAND [options] [-- BENCHMARK ARGS...]\n"
    "\n"
    "Runs, stores and compares sendfile-bench results (and any Google Benchmark JSON).\n"
    "\n"
    "commands:\n"
    "  run       run bench_sendfile with repetitions, show a summary, store the result\n"
    "  compare   compare two results (files or folders); exit 1 on a regression\n"
    "  report    one table over stored results across machines, kernels and OSes\n"
    "  ab        run two builds interleaved and compare them: the CI regression gate\n"
    "  export    results for CI dashboards (github-action-benchmark, Bencher)\n"
    "  kernels   run the suite in VMs booted from other kernels (qemu; vm/README.md)\n"
    "\n"
    "`sfb COMMAND --help` describes each command.\n"
    "\n";

// The message of a failed command, escaped and cut; returns `code`.
int fail_with(const std::string& command, const char* what, int code) {
    print_message(fmt::format("sfb {}: {}", quoted_value(command, 64), what));
    return code;
}

}  // namespace

int sfb_main(std::span<const std::string> args) {
    if (args.empty()) {
        std::fprintf(stderr, "%s%s\n", kTopHelp, kExitCodes);
        return kExitBadInput;
    }
    const std::string& command = args.front();
    const auto rest = args.subspan(1);
    install_memory_reserve();
    try {
        if (command == "--version" || command == "version") {
            print(fmt::format("sfb {} (git {})\n", SFB_VERSION, SFB_GIT_COMMIT));
            return kExitOk;
        }
        if (command == "-h" || command == "--help" || command == "help") {
            print(std::string(kTopHelp) + kExitCodes + "\n");
            return kExitOk;
        }
        for (const auto& sub : kSubcommands) {
            if (command == sub.name) {
                const parsed_args parsed = parse_args(rest, sub.options);
                if (parsed.help) {
                    print(format_help(sub.usage, sub.description, sub.options, kExitCodes));
                    return kExitOk;
                }
                return finish_answer(sub.run(parsed));
            }
        }
        if (command == "kernels") {
            return kernels_command(rest);
        }
        throw usage_error(
            fmt::format("unknown command \"{}\" (run, compare, report, ab, export, kernels)",
                        quoted_value(command, 64)));
    } catch (const usage_error& e) {
        return fail_with(command, e.what(), kExitBadInput);
    } catch (const input_error& e) {
        return fail_with(command, e.what(), kExitBadInput);
    } catch (const benchmark_failure& e) {
        return fail_with(command, e.what(), kExitFailure);
    } catch (const std::bad_alloc&) {
        // Not the benchmark program's failure: the input (results, a program's output) was
        // too large for this machine's memory.
        return fail_with(command,
                         "out of memory: the input is too large for this machine (results are "
                         "read up to 256 MiB a file); nothing was written",
                         kExitBadInput);
    } catch (const std::exception& e) {
        return fail_with(command, e.what(), kExitFailure);
    }
}

}  // namespace sfb::harness
