// How a comparison is shown: the text and Markdown tables with their legend and footer, and
// the JSON that `sfb compare --format json` prints (compare.h declares them).
#include "compare.h"

#include "contract.h"
#include "table.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <cmath>

namespace sfb::harness {

namespace {

bool is_time(const std::string& metric) {
    return metric == "real_time" || metric == "cpu_time";
}

std::string verdict_text(const benchmark_comparison& b) {
    switch (b.verdict) {
        case benchmark_verdict::regression:
            return fmt::format("REGRESSION ({})", fmt::join(b.regressed, ","));
        case benchmark_verdict::improvement:
            return "improvement";
        case benchmark_verdict::untested:
            return "not tested";
        case benchmark_verdict::unchanged:
            break;
    }
    return "no change";
}

cell_style verdict_style(benchmark_verdict v) {
    switch (v) {
        case benchmark_verdict::regression:
            return cell_style::bad;
        case benchmark_verdict::improvement:
            return cell_style::good;
        default:
            return cell_style::plain;
    }
}

// Under the instruction clock a microsecond of guest time is 1000 instructions (kinstr) and a
// rate per second is one per 10^9 instructions: never labelled as time.
std::string display_value(const metric_comparison& m, double value, const std::string& unit,
                          bool instructions) {
    if (is_time(m.metric)) {
        return instructions
                   ? fmt::format("{} kinstr", format_number(value))
                   : fmt::format("{} {}", format_number(from_microseconds(value, unit)), unit);
    }
    if (m.metric == "bytes_per_second") {
        return fmt::format("{} {}", format_number(value / 1e6),
                           instructions ? "MB/Ginstr" : "MB/s");
    }
    return format_number(value);
}

std::string metric_label(const std::string& metric, bool instructions) {
    if (metric == "bytes_per_second") {
        return instructions ? "MB/Ginstr" : "MB/s";
    }
    return metric;
}

// "+12.3% [+8.0%, +15.1%]": the change of the medians and the interval of the
// Hodges-Lehmann change.
std::string change_text(const metric_comparison& m) {
    if (!m.change_interval) {
        return format_percent(m.change);
    }
    return fmt::format("{} [{}, {}]", format_percent(m.change),
                       format_percent(m.change_interval->low),
                       format_percent(m.change_interval->high));
}

text_table comparison_table(const comparison_result& c, bool all_metrics) {
    text_table table({{"Benchmark"},
                      {"Metric"},
                      {"Base", alignment::right},
                      {"New", alignment::right},
                      {"Change [95% CI]", alignment::right},
                      {"p", alignment::right},
                      {"p gate", alignment::right},
                      {"Verdict"}});
    for (const auto& b : c.benchmarks) {
        bool first = true;
        for (const auto& m : b.metrics) {
            const bool shown = all_metrics || m.gating || is_time(m.metric) ||
                               m.metric == "bytes_per_second" || m.metric == "items_per_second";
            if (!shown) {
                continue;
            }
            cell_style change_style = cell_style::plain;
            if (m.outcome == metric_outcome::worse) {
                change_style = m.gating ? cell_style::bad : cell_style::dim;
            } else if (m.outcome == metric_outcome::better) {
                change_style = cell_style::good;
            }
            std::string p = m.test ? format_p_value(m.test->p_value) : "-";
            if (m.test && m.test->exact) {
                p += " e";
            }
            table.add_row(
                {first ? table_cell(b.name) : table_cell(""),
                 table_cell(metric_label(m.metric, c.instruction_clock) + (m.gating ? " *" : "")),
                 display_value(m, m.base_median, b.time_unit, c.instruction_clock),
                 display_value(m, m.new_median, b.time_unit, c.instruction_clock),
                 table_cell(change_text(m), change_style), p,
                 m.gating && m.test ? format_p_value(m.p_gate) : "",
                 first ? table_cell(verdict_text(b), verdict_style(b.verdict)) : table_cell("")});
            first = false;
        }
    }
    return table;
}

std::string summary_line(const comparison_result& c) {
    std::size_t regressions = 0;
    std::size_t improvements = 0;
    for (const auto& b : c.benchmarks) {
        regressions += b.verdict == benchmark_verdict::regression ? 1 : 0;
        improvements += b.verdict == benchmark_verdict::improvement ? 1 : 0;
    }
    if (!c.options.run_test) {
        return fmt::format("{} benchmarks compared without a test (--no-test).",
                           c.benchmarks.size());
    }
    return fmt::format(
        "{} benchmarks compared: {} regressed, {} improved, {} without a significant change "
        "(gate: {}; a change counts when p gate < {} and |change| >= {}).",
        c.benchmarks.size(), regressions, improvements,
        c.benchmarks.size() - regressions - improvements, fmt::join(c.options.gate, ", "),
        c.options.alpha, format_percent(c.options.threshold).substr(1));
}

std::vector<std::string> footer_lines(const comparison_result& c) {
    std::vector<std::string> lines;
    for (const auto& name : c.only_base) {
        lines.push_back(fmt::format("only in base ({}): {}", c.base_label, name));
    }
    for (const auto& name : c.only_new) {
        lines.push_back(fmt::format("only in new ({}): {}", c.new_label, name));
    }
    for (const auto& failure : c.failed) {
        lines.push_back("failed: " + failure);
    }
    for (const auto& note : c.notes) {
        lines.push_back("note: " + note);
    }
    return lines;
}

std::string test_description(const comparison_result& c) {
    if (!c.options.run_test) {
        return "no test (--no-test)";
    }
    return c.options.paired ? "two-sided Wilcoxon signed-rank over paired rounds"
                            : "two-sided Mann-Whitney U";
}

ordered_json json_number(double value) {
    return std::isfinite(value) ? ordered_json(value) : ordered_json(nullptr);
}

// What the gate's p-values are, for the legend under the table.
const char* gate_adjustment(const comparison_result& c) {
    return c.options.holm ? "Holm-adjusted over all gating tests" : "not adjusted";
}

// What sets the text and the Markdown rendering apart below the table.
struct text_markup {
    const char* legend;   // {} test_description, {} gate_adjustment
    const char* bullet;   // before each footer line
    const char* summary;  // {} summary_line
};
constexpr text_markup kPlainMarkup = {
    "(* gating metric; medians over repetitions; [95% CI] of the Hodges-Lehmann change;\n"
    " p: {}, e = exact;\n"
    " p gate: what the gate uses, {})\n",
    "", "{}\n"};
constexpr text_markup kMarkdownMarkup = {
    "\n\\* gating metric; medians over repetitions; [95% CI] of the Hodges-Lehmann change; "
    "p: {} (e = exact); p gate: {}\n\n",
    "- ", "\n{}\n"};

// The legend, footer_lines(c) one a line, and the summary line.
std::string legend_and_footer(const comparison_result& c, const text_markup& markup) {
    std::string out =
        fmt::format(fmt::runtime(markup.legend), test_description(c), gate_adjustment(c));
    for (const auto& line : footer_lines(c)) {
        out += fmt::format("{}{}\n", markup.bullet, line);
    }
    return out + fmt::format(fmt::runtime(markup.summary), summary_line(c));
}

}  // namespace

std::string render_text(const comparison_result& c, bool colour, bool all_metrics) {
    return comparison_table(c, all_metrics).text(colour) + legend_and_footer(c, kPlainMarkup);
}

std::string render_markdown(const comparison_result& c, bool all_metrics) {
    std::string out = fmt::format("### sfb compare: {} vs {}\n\n", c.base_label, c.new_label);
    out += c.any_regression() ? "**Regression detected.**\n\n" : "No regression.\n\n";
    return out + comparison_table(c, all_metrics).markdown() +
           legend_and_footer(c, kMarkdownMarkup);
}

// The keys and their meaning are format/contract.json's "compare_json"; a test holds the two
// equal.
std::string render_json(const comparison_result& c) {
    ordered_json out = ordered_json::object();
    out["format_version"] = contract::names::format_version;
    out["base"] = c.base_label;
    out["new"] = c.new_label;
    out["alpha"] = c.options.alpha;
    out["threshold"] = c.options.threshold;
    out["gate"] = c.options.gate;
    out["tested"] = c.options.run_test;
    out["correction"] = c.options.holm ? "holm" : "none";
    out["test"] = c.options.paired ? "wilcoxon-signed-rank" : "mann-whitney-u";
    out["gating_tests"] = c.gating_tests;
    out["regression"] = c.any_regression();
    ordered_json benchmarks = ordered_json::array();
    for (const auto& b : c.benchmarks) {
        ordered_json jb = ordered_json::object();
        jb["name"] = b.name;
        jb["verdict"] = b.verdict;
        jb["regressed"] = b.regressed;
        jb["improved"] = b.improved;
        ordered_json metrics = ordered_json::object();
        for (const auto& m : b.metrics) {
            ordered_json jm = ordered_json::object();
            if (is_time(m.metric)) {
                jm["unit"] = c.instruction_clock ? "kinstr" : "us";
            }
            jm["base_median"] = json_number(m.base_median);
            jm["new_median"] = json_number(m.new_median);
            jm["change"] = json_number(m.change);
            if (m.change_interval) {
                jm["change_hodges_lehmann"] = json_number(m.change_interval->estimate);
                jm["change_ci"] = ordered_json::array(
                    {json_number(m.change_interval->low), json_number(m.change_interval->high)});
            }
            jm["base_repetitions"] = m.base_count;
            jm["new_repetitions"] = m.new_count;
            if (m.test) {
                jm["p_value"] = json_number(m.test->p_value);
                jm[c.options.paired ? "w_plus" : "u"] = m.test->statistic;
                jm["exact"] = m.test->exact;
                jm["p_gate"] = json_number(m.p_gate);
            }
            jm["gating"] = m.gating;
            jm["outcome"] = m.outcome;
            metrics[m.metric] = std::move(jm);
        }
        jb["metrics"] = std::move(metrics);
        benchmarks.push_back(std::move(jb));
    }
    out["benchmarks"] = std::move(benchmarks);
    out["only_in_base"] = c.only_base;
    out["only_in_new"] = c.only_new;
    out["failed"] = c.failed;
    out["notes"] = c.notes;
    return dump_json(out, true) + "\n";
}

}  // namespace sfb::harness
