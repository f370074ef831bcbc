#include "compare.h"

#include "accelerator.h"
#include "run_quality.h"

#include "contract.h"
#include "table.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
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

std::vector<std::string> common_metrics(const benchmark_series& a, const benchmark_series& b) {
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

}  // namespace

const char* rank_test_name(const compare_options& options) {
    return options.paired ? "Wilcoxon signed-rank" : "Mann-Whitney U";
}

bool higher_is_better(const std::string& metric) {
    if (const auto known = contract::contract_higher_is_better(metric)) {
        return *known;
    }
    // Other programs' counters: Google Benchmark's rates are "..._per_second".
    const std::string suffix = "_per_second";
    return metric.size() >= suffix.size() &&
           metric.compare(metric.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool comparison_result::any_regression() const {
    return std::any_of(benchmarks.begin(), benchmarks.end(),
                       [](const auto& b) { return b.verdict == benchmark_verdict::regression; });
}

namespace {

// --- stage 1: pairing ----------------------------------------------------------------------

// A benchmark present, with measured repetitions, on both sides.
struct benchmark_pair {
    const benchmark_series* base;
    const benchmark_series* candidate;
};

std::vector<benchmark_pair> pair_benchmarks(const result_set& base, const result_set& candidate,
                                            comparison_result& c) {
    std::vector<benchmark_pair> pairs;
    for (const auto& b : base.benchmarks) {
        const benchmark_series* n = candidate.find(b.name);
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
        if (c.options.run_test && c.options.paired &&
            b.repetitions.size() != n->repetitions.size()) {
            throw input_error(fmt::format(
                "a paired comparison needs the same number of repetitions on both sides, "
                "repetition i of one matched with repetition i of the other (as sfb ab writes "
                "them): \"{}\" has {} in {} ({}) and {} in {} ({})",
                b.name, b.repetitions.size(), c.base_label, b.first_file.string(),
                n->repetitions.size(), c.new_label, n->first_file.string()));
        }
        pairs.push_back({&b, n});
    }
    for (const auto& n : candidate.benchmarks) {
        if (base.find(n.name) == nullptr) {
            c.only_new.push_back(n.name);
        }
    }
    if (pairs.empty()) {
        throw input_error(
            fmt::format("{} and {} have no benchmark in common", c.base_label, c.new_label));
    }
    return pairs;
}

// --- stage 2: medians and tests ------------------------------------------------------------

// The values of `metric` in the repetitions where both sides have it, as pairs by position.
std::pair<std::vector<double>, std::vector<double>> paired_values(const benchmark_pair& pair,
                                                                  const std::string& metric) {
    std::pair<std::vector<double>, std::vector<double>> out;
    const auto& x = pair.base->repetitions;
    const auto& y = pair.candidate->repetitions;
    for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) {
        auto xi = x[i].find(metric);
        auto yi = y[i].find(metric);
        if (xi != x[i].end() && yi != y[i].end()) {
            out.first.push_back(xi->second);
            out.second.push_back(yi->second);
        }
    }
    return out;
}

metric_comparison compare_metric(const benchmark_pair& pair, const std::string& metric,
                                 const compare_options& options) {
    metric_comparison m;
    m.metric = metric;
    const std::vector<double> x = pair.base->values(metric);
    const std::vector<double> y = pair.candidate->values(metric);
    m.base_count = x.size();
    m.new_count = y.size();
    m.base_median = median(x);
    m.new_median = median(y);
    if (m.base_median != 0) {
        m.change = m.new_median / m.base_median - 1;
    } else {
        m.change = m.new_median == 0 ? 0 : std::numeric_limits<double>::quiet_NaN();
    }
    m.change_interval = ratio_interval(x, y);
    m.gating = std::find(options.gate.begin(), options.gate.end(), metric) != options.gate.end();
    if (options.run_test && options.paired) {
        // Repetition i of one side ran in the same round as repetition i of the other.
        const auto [px, py] = paired_values(pair, metric);
        const wilcoxon_result w = wilcoxon_signed_rank(px, py);
        m.test = rank_test_result{w.w_plus, w.p_value, w.exact};
    } else if (options.run_test) {
        const mann_whitney_result u = mann_whitney_u(x, y);
        m.test = rank_test_result{u.u_base, u.p_value, u.exact};
    }
    if (m.test) {
        m.p_gate = m.test->p_value;
    }
    return m;
}

// The gate metrics these results can be judged on: the default gate drops what neither side has
// (with a note); a metric named by --gate that no benchmark has is bad input.
void settle_gate_metrics(comparison_result& c) {
    std::set<std::string> seen;
    for (const auto& b : c.benchmarks) {
        for (const auto& m : b.metrics) {
            if (m.gating) {
                seen.insert(m.metric);
            }
        }
    }
    if (!c.options.gate_given) {
        // The default gate: leave out what these results do not have, and say so.
        std::vector<std::string> kept;
        for (const auto& g : c.options.gate) {
            if (seen.contains(g)) {
                kept.push_back(g);
            } else {
                c.notes.push_back(
                    fmt::format("the default gate metric {} is in no benchmark of both {} and {} "
                                "(results without pass samples?): gating on the others",
                                g, c.base_label, c.new_label));
            }
        }
        if (!kept.empty()) {
            c.options.gate = std::move(kept);
        }
    }
    for (const auto& g : c.options.gate) {
        if (!seen.contains(g)) {
            throw input_error(
                fmt::format("gate metric \"{}\" appears in no benchmark of both "
                            "{} and {}",
                            g, c.base_label, c.new_label));
        }
    }
}

// --- stage 3: multiple testing -------------------------------------------------------------

// The gate answers "did anything regress?", so the gating p-values are Holm-adjusted over
// every gating test of the comparison (unless switched off). Returns the family's size.
std::size_t correct_for_multiple_tests(comparison_result& c) {
    std::vector<metric_comparison*> family;
    for (auto& bc : c.benchmarks) {
        for (auto& m : bc.metrics) {
            if (m.gating && m.test) {
                family.push_back(&m);
            }
        }
    }
    if (c.options.run_test && c.options.holm && !family.empty()) {
        std::vector<double> p_values;
        for (const auto* m : family) {
            p_values.push_back(m->test->p_value);
        }
        const std::vector<double> adjusted = holm_adjust(p_values);
        for (std::size_t i = 0; i < family.size(); ++i) {
            family[i]->p_gate = adjusted[i];
        }
    }
    return family.size();
}

// A test that cannot reach alpha whatever the data is no test: refuse to pass silently.
void check_power(const comparison_result& c, const std::vector<benchmark_pair>& pairs) {
    const compare_options& options = c.options;
    if (!options.run_test) {
        return;
    }
    const double factor =
        options.holm ? static_cast<double>(std::max<std::size_t>(c.gating_tests, 1)) : 1.0;
    auto min_p = [&](std::size_t n1, std::size_t n2) {
        return options.paired ? wilcoxon_min_p_value(std::min(n1, n2))
                              : mann_whitney_min_p_value(n1, n2);
    };
    for (const auto& pair : pairs) {
        const std::size_t n1 = pair.base->repetitions.size();
        const std::size_t n2 = pair.candidate->repetitions.size();
        if (min_p(n1, n2) * factor < options.alpha) {
            continue;
        }
        std::size_t needed = 1;
        while (min_p(needed, needed) * factor >= options.alpha) {
            ++needed;
        }
        throw input_error(fmt::format(
            "too few repetitions for the {} test: \"{}\" has {} in {} ({}) "
            "and {} in {} ({}); at alpha {}{} the test needs at least {} on each side "
            "(more repetitions or rounds, or --no-test to see the changes without a "
            "verdict)",
            rank_test_name(options), pair.base->name, n1, c.base_label,
            pair.base->first_file.string(), n2, c.new_label, pair.candidate->first_file.string(),
            options.alpha,
            options.holm ? fmt::format(" over {} gating tests (Holm)", c.gating_tests) : "",
            needed));
    }
}

// --- stage 4: verdicts ---------------------------------------------------------------------

void decide_verdicts(comparison_result& c) {
    const compare_options& options = c.options;
    for (auto& bc : c.benchmarks) {
        for (auto& m : bc.metrics) {
            if (!m.test) {
                continue;
            }
            const bool significant = m.p_gate < options.alpha;
            const bool large = std::isnan(m.change) || std::fabs(m.change) >= options.threshold;
            if (significant && large && m.new_median != m.base_median) {
                const bool increased = m.new_median > m.base_median;
                m.outcome = increased == higher_is_better(m.metric) ? metric_outcome::better
                                                                    : metric_outcome::worse;
            }
            if (m.gating && m.outcome == metric_outcome::worse) {
                bc.regressed.push_back(m.metric);
            } else if (m.gating && m.outcome == metric_outcome::better) {
                bc.improved.push_back(m.metric);
            }
        }
        if (!options.run_test) {
            bc.verdict = benchmark_verdict::untested;
        } else if (!bc.regressed.empty()) {
            bc.verdict = benchmark_verdict::regression;
        } else if (!bc.improved.empty()) {
            bc.verdict = benchmark_verdict::improvement;
        }
    }
}

// Results from different machines are comparable only with care; say so.
void note_machines(comparison_result& c, const result_set& base, const result_set& candidate) {
    auto fingerprints = [](const result_set& set) {
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
        c.notes.push_back(fmt::format("base and new were measured on different machines: {} vs {}",
                                      *base_machines.begin(), *new_machines.begin()));
    }
}

}  // namespace

comparison_result compare_results(const result_set& base, const result_set& candidate,
                                  const compare_options& options, const std::string& base_label,
                                  const std::string& new_label) {
    // Instruction counts and wall-clock times are different quantities: never paired.
    require_one_clock(base, candidate);
    comparison_result c;
    c.options = options;
    c.base_label = base_label;
    c.new_label = new_label;
    c.instruction_clock = on_instruction_clock(base);
    if (c.instruction_clock) {
        c.notes.emplace_back(
            "qemu's instruction clock: times count guest instructions (kinstr: 1000 of them), "
            "rates are per 10^9 instructions (MB/Ginstr)");
    }
    const std::vector<benchmark_pair> pairs = pair_benchmarks(base, candidate, c);
    for (const auto& pair : pairs) {
        benchmark_comparison bc;
        bc.name = pair.base->name;
        bc.time_unit = pair.base->time_unit.empty() ? "us" : pair.base->time_unit;
        for (const auto& metric : common_metrics(*pair.base, *pair.candidate)) {
            bc.metrics.push_back(compare_metric(pair, metric, options));
        }
        c.benchmarks.push_back(std::move(bc));
    }
    settle_gate_metrics(c);
    c.gating_tests = correct_for_multiple_tests(c);
    check_power(c, pairs);
    decide_verdicts(c);
    note_machines(c, base, candidate);
    // Interference, bimodal passes and disagreeing rounds on either side (run_quality.h).
    for (const auto& line : quality_warnings(base)) {
        c.notes.push_back("warning: base: " + line);
    }
    for (const auto& line : quality_warnings(candidate)) {
        c.notes.push_back("warning: new: " + line);
    }
    return c;
}

}  // namespace sfb::harness
