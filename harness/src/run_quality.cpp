#include "run_quality.h"

#include "regimes.h"
#include "stats.h"

#include <fmt/format.h>
#include <sfb/format_contract.h>

namespace sfb::harness {

namespace {

namespace counter_name = sfb::format::counter_name;

// Per round, counter / real_time; empty unless every round has the counter.
std::vector<double> shares(const benchmark_series& series, std::string_view counter) {
    std::vector<double> out;
    for (const auto& round : series.repetitions) {
        const auto value = round.find(std::string(counter));
        const auto real = round.find("real_time");
        if (value == round.end() || real == round.end() || real->second <= 0) {
            return {};
        }
        out.push_back(value->second / real->second);
    }
    return out;
}

std::optional<double> median_share(const benchmark_series& series, std::string_view counter) {
    const auto values = shares(series, counter);
    if (values.empty()) {
        return std::nullopt;
    }
    return median(values);
}

std::optional<bool> rounds_disagree_of(const benchmark_series& series) {
    std::vector<double> medians;
    std::vector<double> spreads;
    for (const auto& round : series.repetitions) {
        const auto mid = round.find(std::string(counter_name::pass_median_us));
        const auto q25 = round.find(std::string(counter_name::pass_q25_us));
        const auto q75 = round.find(std::string(counter_name::pass_q75_us));
        if (mid == round.end() || q25 == round.end() || q75 == round.end()) {
            return std::nullopt;
        }
        medians.push_back(mid->second);
        spreads.push_back(q75->second - q25->second);
    }
    return rounds_disagree(medians, spreads);
}

}  // namespace

bool benchmark_quality::interference() const noexcept {
    return other_cpu_share.value_or(0) > kInterferenceWarnShare ||
           steal_share.value_or(0) > kInterferenceWarnShare;
}

bool benchmark_quality::flagged() const noexcept {
    return interference() || bimodal_rounds > 0 || rounds_disagree.value_or(false);
}

benchmark_quality assess(const benchmark_series& series) {
    benchmark_quality q;
    q.name = series.name;
    q.rounds = series.repetitions.size();
    q.real_time = median_interval(series.values("real_time"));
    q.other_cpu_share = median_share(series, counter_name::other_cpu_us);
    q.steal_share = median_share(series, counter_name::steal_us);
    for (const auto& round : series.repetitions) {
        if (const auto flag = round.find(std::string(counter_name::pass_bimodal));
            flag != round.end() && flag->second > 0) {
            ++q.bimodal_rounds;
        }
    }
    q.rounds_disagree = rounds_disagree_of(series);
    return q;
}

std::string describe_flags(const benchmark_quality& quality) {
    std::vector<std::string> parts;
    if (quality.other_cpu_share.value_or(0) > kInterferenceWarnShare) {
        parts.push_back(
            fmt::format("other processes used {:.0f}% of a CPU", *quality.other_cpu_share * 100));
    }
    if (quality.steal_share.value_or(0) > kInterferenceWarnShare) {
        parts.push_back(fmt::format("steal {:.0f}% of a pass", *quality.steal_share * 100));
    }
    if (quality.bimodal_rounds > 0) {
        parts.push_back(
            fmt::format("bimodal passes in {}/{} rounds", quality.bimodal_rounds, quality.rounds));
    }
    if (quality.rounds_disagree.value_or(false)) {
        parts.emplace_back("rounds disagree");
    }
    std::string out;
    for (const auto& part : parts) {
        out += out.empty() ? part : "; " + part;
    }
    return out;
}

std::vector<std::string> not_converged(const result_set& set, double target) {
    std::vector<std::string> names;
    for (const auto& series : set.benchmarks) {
        const auto ci = median_interval(series.values("real_time"));
        if (!ci || !(ci->relative_half_width() <= target)) {
            names.push_back(series.name);
        }
    }
    return names;
}

std::vector<std::string> quality_warnings(const result_set& set) {
    std::vector<std::string> lines;
    for (const auto& series : set.benchmarks) {
        const auto quality = assess(series);
        if (quality.flagged()) {
            lines.push_back(series.name + ": " + describe_flags(quality));
        }
    }
    return lines;
}

}  // namespace sfb::harness
