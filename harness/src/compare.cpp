#include "compare.hpp"

#include "kernels.h"

#include "table.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

namespace sfb::harness {

namespace {

// Order of metrics in the output: the times, the rates, then the counters alphabetically.
int metric_rank(const std::string& metric) {
    static const std::vector<std::string> first = {"real_time", "cpu_time", "bytes_per_second",
                                                   "items_per_second"};
    auto it = std::find(first.begin(), first.end(), metric);
    return it == first.end() ? static_cast<int>(first.size())
                             : static_cast<int>(it - first.begin());
}

std::vector<std::string> common_metrics(const BenchmarkSeries& a, const BenchmarkSeries& b) {
    std::set<std::string> in_a;
    for (const auto& repetition : a.repetitions) {
        for (const auto& [key, value] : repetition) {
            in_a.insert(key);
        }
    }
    std::set<std::string> both;
    for (const auto& repetition : b.repetitions) {
        for (const auto& [key, value] : repetition) {
            if (in_a.contains(key)) {
                both.insert(key);
            }
        }
    }
    std::vector<std::string> result(both.begin(), both.end());
    std::stable_sort(result.begin(), result.end(),
                     [](const auto& x, const auto& y) { return metric_rank(x) < metric_rank(y); });
    return result;
}

bool is_time(const std::string& metric) {
    return metric == "real_time" || metric == "cpu_time";
}

std::string verdict_text(const BenchmarkComparison& b) {
    switch (b.verdict) {
        case Verdict::regression: {
            std::string names;
            for (const auto& m : b.regressed) {
                names += (names.empty() ? "" : ",") + m;
            }
            return fmt::format("REGRESSION ({})", names);
        }
        case Verdict::improvement:
            return "improvement";
        case Verdict::untested:
            return "not tested";
        case Verdict::unchanged:
            break;
    }
    return "no change";
}

Style verdict_style(Verdict v) {
    switch (v) {
        case Verdict::regression:
            return Style::bad;
        case Verdict::improvement:
            return Style::good;
        default:
            return Style::plain;
    }
}

std::string display_value(const MetricComparison& m, double value, const std::string& unit) {
    if (is_time(m.metric)) {
        return fmt::format("{} {}", format_number(from_microseconds(value, unit)), unit);
    }
    if (m.metric == "bytes_per_second") {
        return fmt::format("{} MB/s", format_number(value / 1e6));
    }
    return format_number(value);
}

std::string metric_label(const std::string& metric) {
    if (metric == "bytes_per_second") {
        return "MB/s";
    }
    return metric;
}

Table comparison_table(const Comparison& c, bool all_metrics) {
    Table table({{"Benchmark"},
                 {"Metric"},
                 {"Base", Align::right},
                 {"New", Align::right},
                 {"Change", Align::right},
                 {"p", Align::right},
                 {"p gate", Align::right},
                 {"Verdict"}});
    for (const auto& b : c.benchmarks) {
        bool first = true;
        for (const auto& m : b.metrics) {
            const bool shown = all_metrics || m.gating || is_time(m.metric) ||
                               m.metric == "bytes_per_second" || m.metric == "items_per_second";
            if (!shown) {
                continue;
            }
            Style change_style = Style::plain;
            if (m.outcome == Outcome::worse) {
                change_style = m.gating ? Style::bad : Style::dim;
            } else if (m.outcome == Outcome::better) {
                change_style = Style::good;
            }
            std::string p = m.test ? format_p_value(m.test->p_value) : "-";
            if (m.test && m.test->exact) {
                p += " e";
            }
            table.add_row({first ? Cell(b.name) : Cell(""),
                           Cell(metric_label(m.metric) + (m.gating ? " *" : "")),
                           display_value(m, m.base_median, b.time_unit),
                           display_value(m, m.new_median, b.time_unit),
                           Cell(format_percent(m.change), change_style), p,
                           m.gating && m.test ? format_p_value(m.p_gate) : "",
                           first ? Cell(verdict_text(b), verdict_style(b.verdict)) : Cell("")});
            first = false;
        }
    }
    return table;
}

std::string summary_line(const Comparison& c) {
    std::size_t regressions = 0;
    std::size_t improvements = 0;
    for (const auto& b : c.benchmarks) {
        regressions += b.verdict == Verdict::regression ? 1 : 0;
        improvements += b.verdict == Verdict::improvement ? 1 : 0;
    }
    std::string gate;
    for (const auto& g : c.options.gate) {
        gate += (gate.empty() ? "" : ", ") + g;
    }
    if (!c.options.run_test) {
        return fmt::format("{} benchmarks compared without a test (--no-test).",
                           c.benchmarks.size());
    }
    return fmt::format(
        "{} benchmarks compared: {} regressed, {} improved, {} without a significant change "
        "(gate: {}; a change counts when p gate < {} and |change| >= {}).",
        c.benchmarks.size(), regressions, improvements,
        c.benchmarks.size() - regressions - improvements, gate, c.options.alpha,
        format_percent(c.options.threshold).substr(1));
}

std::vector<std::string> footer_lines(const Comparison& c) {
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

const char* test_name(const Comparison& c) {
    return c.options.paired ? "Wilcoxon signed-rank over paired rounds" : "Mann-Whitney U";
}

Json json_number(double value) {
    return std::isfinite(value) ? Json(value) : Json(nullptr);
}

}  // namespace

bool higher_is_better(const std::string& metric) {
    const std::string suffix = "_per_second";
    return metric.size() >= suffix.size() &&
           metric.compare(metric.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool Comparison::any_regression() const {
    return std::any_of(benchmarks.begin(), benchmarks.end(),
                       [](const auto& b) { return b.verdict == Verdict::regression; });
}

Comparison compare_results(const ResultSet& base, const ResultSet& candidate,
                           const CompareOptions& options, const std::string& base_label,
                           const std::string& new_label) {
    Comparison c;
    c.options = options;
    c.base_label = base_label;
    c.new_label = new_label;
    std::set<std::string> gate_seen;

    // First the medians and the tests of every benchmark and metric ...
    struct Sizes {
        std::size_t base;
        std::size_t candidate;
        const BenchmarkSeries* base_series;
        const BenchmarkSeries* new_series;
    };
    std::vector<Sizes> sizes;
    for (const auto& b : base.benchmarks) {
        const BenchmarkSeries* n = candidate.find(b.name);
        if (n == nullptr) {
            c.only_base.push_back(b.name);
            continue;
        }
        for (const auto& e : b.errors) {
            c.failed.push_back(fmt::format("{}: base: {}", b.name, e));
        }
        for (const auto& e : n->errors) {
            c.failed.push_back(fmt::format("{}: new: {}", b.name, e));
        }
        if (b.repetitions.empty() || n->repetitions.empty()) {
            continue;  // failed on one side: listed above, nothing to compare
        }
        if (options.run_test && options.paired && b.repetitions.size() != n->repetitions.size()) {
            throw InputError(fmt::format(
                "a paired comparison needs the same number of repetitions on both sides, "
                "repetition i of one matched with repetition i of the other (as sfb ab writes "
                "them): \"{}\" has {} in {} ({}) and {} in {} ({})",
                b.name, b.repetitions.size(), base_label, b.first_file.string(),
                n->repetitions.size(), new_label, n->first_file.string()));
        }
        sizes.push_back({b.repetitions.size(), n->repetitions.size(), &b, n});

        BenchmarkComparison bc;
        bc.name = b.name;
        bc.time_unit = b.time_unit.empty() ? "us" : b.time_unit;
        for (const auto& metric : common_metrics(b, *n)) {
            MetricComparison m;
            m.metric = metric;
            const std::vector<double> x = b.values(metric);
            const std::vector<double> y = n->values(metric);
            m.base_count = x.size();
            m.new_count = y.size();
            m.base_median = median(x);
            m.new_median = median(y);
            if (m.base_median != 0) {
                m.change = m.new_median / m.base_median - 1;
            } else {
                m.change = m.new_median == 0 ? 0 : std::numeric_limits<double>::quiet_NaN();
            }
            m.gating =
                std::find(options.gate.begin(), options.gate.end(), metric) != options.gate.end();
            if (m.gating) {
                gate_seen.insert(metric);
            }
            if (options.run_test && options.paired) {
                // Repetition i of one side ran in the same round as repetition i of the other.
                std::vector<double> px;
                std::vector<double> py;
                for (std::size_t i = 0; i < b.repetitions.size(); ++i) {
                    auto xi = b.repetitions[i].find(metric);
                    auto yi = n->repetitions[i].find(metric);
                    if (xi != b.repetitions[i].end() && yi != n->repetitions[i].end()) {
                        px.push_back(xi->second);
                        py.push_back(yi->second);
                    }
                }
                const WilcoxonResult w = wilcoxon_signed_rank(px, py);
                m.test = TestResult{w.w_plus, w.p_value, w.exact};
            } else if (options.run_test) {
                const MannWhitneyResult u = mann_whitney_u(x, y);
                m.test = TestResult{u.u_base, u.p_value, u.exact};
            }
            if (m.test) {
                m.p_gate = m.test->p_value;
            }
            bc.metrics.push_back(std::move(m));
        }
        c.benchmarks.push_back(std::move(bc));
    }
    for (const auto& n : candidate.benchmarks) {
        if (base.find(n.name) == nullptr) {
            c.only_new.push_back(n.name);
        }
    }
    if (c.benchmarks.empty()) {
        throw InputError(
            fmt::format("{} and {} have no benchmark in common", base_label, new_label));
    }
    for (const auto& g : options.gate) {
        if (!gate_seen.contains(g)) {
            throw InputError(
                fmt::format("gate metric \"{}\" appears in no benchmark of both "
                            "{} and {}",
                            g, base_label, new_label));
        }
    }

    // ... then the correction for testing many gating metrics at once: the gate answers "did
    // anything regress?", so Holm's step-down method keeps the chance of any false alarm
    // below alpha however many benchmarks there are (Holm 1979). The adjusted p-value of the
    // k-th smallest of m p-values is max over j <= k of (m - j) * p_(j), capped at 1.
    std::vector<MetricComparison*> family;
    for (auto& bc : c.benchmarks) {
        for (auto& m : bc.metrics) {
            if (m.gating && m.test) {
                family.push_back(&m);
            }
        }
    }
    if (options.run_test && options.holm && !family.empty()) {
        std::stable_sort(family.begin(), family.end(), [](const auto* a, const auto* b) {
            return a->test->p_value < b->test->p_value;
        });
        double running = 0;
        for (std::size_t j = 0; j < family.size(); ++j) {
            const double scaled = static_cast<double>(family.size() - j) * family[j]->test->p_value;
            running = std::max(running, std::min(1.0, scaled));
            family[j]->p_gate = running;
        }
    }
    c.gating_tests = family.size();

    // A test that cannot reach alpha whatever the data is no test: refuse to pass silently.
    if (options.run_test) {
        const double factor =
            options.holm ? static_cast<double>(std::max<std::size_t>(family.size(), 1)) : 1.0;
        auto min_p = [&](std::size_t n1, std::size_t n2) {
            return options.paired ? wilcoxon_min_p_value(std::min(n1, n2))
                                  : mann_whitney_min_p_value(n1, n2);
        };
        for (const auto& s : sizes) {
            if (min_p(s.base, s.candidate) * factor < options.alpha) {
                continue;
            }
            std::size_t needed = 1;
            while (min_p(needed, needed) * factor >= options.alpha) {
                ++needed;
            }
            throw InputError(fmt::format(
                "too few repetitions for the {} test: \"{}\" has {} in {} ({}) "
                "and {} in {} ({}); at alpha {}{} the test needs at least {} on each side "
                "(more repetitions or rounds, or --no-test to see the changes without a "
                "verdict)",
                options.paired ? "Wilcoxon signed-rank" : "Mann-Whitney U", s.base_series->name,
                s.base, base_label, s.base_series->first_file.string(), s.candidate, new_label,
                s.new_series->first_file.string(), options.alpha,
                options.holm ? fmt::format(" over {} gating tests (Holm)", family.size()) : "",
                needed));
        }
    }

    for (auto& bc : c.benchmarks) {
        for (auto& m : bc.metrics) {
            if (!m.test) {
                continue;
            }
            const bool significant = m.p_gate < options.alpha;
            const bool large = std::isnan(m.change) || std::fabs(m.change) >= options.threshold;
            if (significant && large && m.new_median != m.base_median) {
                const bool increased = m.new_median > m.base_median;
                m.outcome =
                    increased == higher_is_better(m.metric) ? Outcome::better : Outcome::worse;
            }
            if (m.gating && m.outcome == Outcome::worse) {
                bc.regressed.push_back(m.metric);
            } else if (m.gating && m.outcome == Outcome::better) {
                bc.improved.push_back(m.metric);
            }
        }
        if (!options.run_test) {
            bc.verdict = Verdict::untested;
        } else if (!bc.regressed.empty()) {
            bc.verdict = Verdict::regression;
        } else if (!bc.improved.empty()) {
            bc.verdict = Verdict::improvement;
        }
    }

    // Results from different machines are comparable only with care; say so.
    auto fingerprints = [](const ResultSet& set) {
        std::set<std::string> out;
        for (const auto& f : set.files) {
            if (f.context.contains("machine_fingerprint") &&
                f.context["machine_fingerprint"].is_string()) {
                out.insert(f.context["machine_fingerprint"].get<std::string>());
            }
        }
        return out;
    };
    const auto base_machines = fingerprints(base);
    const auto new_machines = fingerprints(candidate);
    // Guests of sfb kernels: TCG is marked, and no gate across accelerators.
    for (auto& note : accelerator_notes(base, candidate, c.options.run_test)) {
        c.notes.push_back(std::move(note));
    }
    if (!base_machines.empty() && !new_machines.empty() && base_machines != new_machines) {
        c.notes.push_back("base and new were measured on different machines: " +
                          fmt::format("{} vs {}", *base_machines.begin(), *new_machines.begin()));
    }
    return c;
}

std::string render_text(const Comparison& c, bool colour, bool all_metrics) {
    std::string out = comparison_table(c, all_metrics).text(colour);
    out += fmt::format(
        "(* gating metric; medians over repetitions; p: two-sided {}, e = exact;\n"
        " p gate: what the gate uses, {})\n",
        test_name(c), c.options.holm ? "Holm-adjusted over all gating tests" : "not adjusted");
    for (const auto& line : footer_lines(c)) {
        out += fmt::format("{}\n", line);
    }
    out += fmt::format("{}\n", summary_line(c));
    return out;
}

std::string render_markdown(const Comparison& c, bool all_metrics) {
    std::string out = fmt::format("### sfb compare: {} vs {}\n\n", c.base_label, c.new_label);
    out += c.any_regression() ? "**Regression detected.**\n\n" : "No regression.\n\n";
    out += comparison_table(c, all_metrics).markdown();
    out += fmt::format(
        "\n\\* gating metric; medians over repetitions; p: two-sided {} "
        "(e = exact); p gate: {}\n\n",
        test_name(c), c.options.holm ? "Holm-adjusted over all gating tests" : "not adjusted");
    for (const auto& line : footer_lines(c)) {
        out += fmt::format("- {}\n", line);
    }
    out += fmt::format("\n{}\n", summary_line(c));
    return out;
}

std::string render_json(const Comparison& c) {
    Json out = Json::object();
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
    Json benchmarks = Json::array();
    for (const auto& b : c.benchmarks) {
        Json jb = Json::object();
        jb["name"] = b.name;
        const char* verdicts[] = {"unchanged", "regression", "improvement", "untested"};
        jb["verdict"] = verdicts[static_cast<int>(b.verdict)];
        jb["regressed"] = b.regressed;
        jb["improved"] = b.improved;
        Json metrics = Json::object();
        for (const auto& m : b.metrics) {
            Json jm = Json::object();
            if (is_time(m.metric)) {
                jm["unit"] = "us";
            }
            jm["base_median"] = json_number(m.base_median);
            jm["new_median"] = json_number(m.new_median);
            jm["change"] = json_number(m.change);
            jm["base_repetitions"] = m.base_count;
            jm["new_repetitions"] = m.new_count;
            if (m.test) {
                jm["p_value"] = json_number(m.test->p_value);
                jm[c.options.paired ? "w_plus" : "u"] = m.test->statistic;
                jm["exact"] = m.test->exact;
                jm["p_gate"] = json_number(m.p_gate);
            }
            jm["gating"] = m.gating;
            const char* outcomes[] = {"unchanged", "worse", "better"};
            jm["outcome"] = outcomes[static_cast<int>(m.outcome)];
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
    return out.dump(2) + "\n";
}

}  // namespace sfb::harness
