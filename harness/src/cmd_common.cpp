#include "cmd_common.h"

#include "bench_process.h"
#include "destinations.h"
#include "safe_text.h"

#include <fmt/format.h>
#include <unistd.h>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <regex>
#include <system_error>

namespace sfb::harness {

namespace {

// Whether colour was asked for: only then may printed text hold colour sequences.
bool g_colour = false;

// An hour of warm-up per benchmark and round is already far beyond any use.
constexpr double kMaxWarmupSeconds = 3600;

double warmup_from(const parsed_args& args) {
    return args.value("warmup")
               ? parse_positive_double("warmup", *args.value("warmup"), kMaxWarmupSeconds)
               : 0.1;
}

}  // namespace

option_spec colour_option() {
    return {"color", "auto|always|never", "colour in text output (auto: only on a terminal)"};
}

option_spec warmup_option() {
    return {"warmup", "SECONDS", "warm-up per benchmark and round (default 0.1)"};
}

option_spec verbose_option() {
    return {"verbose", "", "show everything the benchmark programs print"};
}

option_spec results_dir_option() {
    return {"results-dir", "DIR", "where results are stored (default: results)"};
}

option_spec no_store_option() {
    return {"no-store", "", "print the summary only, store nothing"};
}

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
        colour_option(),
    };
}

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
        append_file(*summary, render_markdown(comparison, all) + "\n");
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

round_settings parse_round_settings(const parsed_args& args) {
    return round_settings{.warmup_seconds = warmup_from(args),
                          .args = args.passthrough,
                          .verbose = args.flag("verbose")};
}

std::string keep_after_failure(const std::string& failure, const std::string& content) {
    const auto kept = keep_unsaved(content);
    return kept.empty() ? failure + "; the result could not be kept anywhere else either"
                        : fmt::format("{}; the result was kept in {}", failure, kept.string());
}

}  // namespace sfb::harness
