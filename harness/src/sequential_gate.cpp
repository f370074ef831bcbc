#include "sequential_gate.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string_view>

namespace sfb::harness {

unsigned sequential_plan::looks() const {
    return batch == 0 ? 1 : (max_rounds + batch - 1) / batch;
}

double sequential_plan::look_alpha(double alpha) const {
    return alpha / static_cast<double>(looks());
}

unsigned sequential_plan::rounds_at(unsigned look) const {
    return std::min(max_rounds, look * batch);
}

bool clear_of_threshold(const comparison_result& comparison) {
    const double threshold = comparison.options.threshold;
    bool any_gating = false;
    for (const auto& benchmark : comparison.benchmarks) {
        for (const auto& m : benchmark.metrics) {
            if (!m.gating) {
                continue;
            }
            any_gating = true;
            if (!m.change_interval) {
                return false;
            }
            const bool clear = higher_is_better(m.metric) ? m.change_interval->low > -threshold
                                                          : m.change_interval->high < threshold;
            if (!clear) {
                return false;
            }
        }
    }
    return any_gating;
}

bool next_batch_exceeds_limit(double elapsed_seconds, unsigned rounds_done, unsigned next_rounds,
                              double limit_seconds) {
    if (limit_seconds <= 0 || rounds_done == 0) {
        return false;
    }
    const double per_round = elapsed_seconds / static_cast<double>(rounds_done);
    return per_round * static_cast<double>(next_rounds) > limit_seconds;
}

std::optional<std::string> time_limit_warning(const sequential_plan& plan, std::size_t benchmarks,
                                              double seconds_per_benchmark) {
    if (plan.time_limit_seconds <= 0 || benchmarks == 0 || seconds_per_benchmark <= 0) {
        return std::nullopt;
    }
    // Both programs run every benchmark once a round.
    const double per_round = 2.0 * static_cast<double>(benchmarks) * seconds_per_benchmark;
    unsigned fit = 1;  // the first batch always runs
    while (fit < plan.looks() &&
           per_round * static_cast<double>(plan.rounds_at(fit + 1)) <= plan.time_limit_seconds) {
        ++fit;
    }
    if (fit == plan.looks()) {
        return std::nullopt;
    }
    std::string text = fmt::format(
        "{} benchmarks x 2 programs x at least {:g} s (minimum time and warm-up) = at least "
        "{:g} s a round: the time limit of {:g} minutes holds at most {} of the {} looks "
        "({} of {} rounds)",
        benchmarks, seconds_per_benchmark, per_round, plan.time_limit_seconds / 60, fit,
        plan.looks(), plan.rounds_at(fit), plan.max_rounds);
    if (fit == 1) {
        text +=
            "; a change that the first look cannot decide is reported as no regression. Gate "
            "fewer benchmarks (--filter, or fewer sizes or placements after --) or raise "
            "--time-limit";
    }
    return text;
}

double seconds_per_benchmark(const std::vector<std::string>& args, double default_min_time,
                             double warmup_seconds) {
    constexpr std::string_view flag = "--benchmark_min_time=";
    double min_time = default_min_time;
    for (const auto& arg : args) {
        if (arg.rfind(flag, 0) != 0) {
            continue;
        }
        std::string value = arg.substr(flag.size());
        if (!value.empty() && value.back() == 'x') {
            min_time = 0;  // an iteration count: its time is unknown
            continue;
        }
        if (!value.empty() && value.back() == 's') {
            value.pop_back();
        }
        char* end = nullptr;
        const double seconds = std::strtod(value.c_str(), &end);
        // The program itself refuses what does not parse; the estimate then keeps the default.
        if (end != value.c_str() && *end == '\0' && std::isfinite(seconds) && seconds >= 0) {
            min_time = seconds;
        }
    }
    return min_time + warmup_seconds;
}

look_decision decide_after_look(const comparison_result& comparison, bool last, bool out_of_time) {
    if (comparison.any_regression()) {
        return look_decision::regression;
    }
    if (last) {
        return look_decision::last_look;
    }
    if (clear_of_threshold(comparison)) {
        return look_decision::clear;
    }
    return out_of_time ? look_decision::time_limit : look_decision::go_on;
}

std::string describe_stop(const sequential_plan& plan, unsigned look, look_decision decision,
                          double alpha) {
    std::string why;
    switch (decision) {
        case look_decision::regression:
            why = "a regression was significant";
            break;
        case look_decision::clear:
            why = "every gating metric's 95% interval of the change stayed within the threshold";
            break;
        case look_decision::time_limit:
            why = fmt::format(
                "another {} rounds would have ended after the time limit of {:g} minutes",
                plan.batch, plan.time_limit_seconds / 60);
            break;
        case look_decision::last_look:
        case look_decision::go_on:
            why = "the round cap was reached";
            break;
    }
    return fmt::format(
        "sequential gate: stopped at look {} of {} after {} rounds ({}); each look tests at "
        "alpha {} / {} = {:.4g}, so the whole run keeps its false-alarm rate below {}",
        look, plan.looks(), plan.rounds_at(look), why, alpha, plan.looks(), plan.look_alpha(alpha),
        alpha);
}

}  // namespace sfb::harness
