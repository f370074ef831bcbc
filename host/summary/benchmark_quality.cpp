#include "benchmark_quality.h"

#include "regimes.h"
#include "stats.h"

#include <fmt/format.h>
#include <sfb/format_contract.h>

namespace sfb::harness {

namespace {

namespace counter_name = sfb::format::counter_name;

// Per round, counter / real_time; empty unless every round has the counter.
std::vector<double> shares(std::span<const round_values> rounds, std::string_view counter) {
    std::vector<double> out;
    for (const auto& round : rounds) {
        const auto value = round.find(std::string(counter));
        const auto real = round.find("real_time");
        if (value == round.end() || real == round.end() || real->second <= 0) {
            return {};
        }
        out.push_back(value->second / real->second);
    }
    return out;
}

std::optional<double> median_share(std::span<const round_values> rounds, std::string_view counter) {
    const auto values = shares(rounds, counter);
    if (values.empty()) {
        return std::nullopt;
    }
    return median(values);
}

std::optional<bool> rounds_disagree_of(std::span<const round_values> rounds) {
    std::vector<double> medians;
    std::vector<double> spreads;
    for (const auto& round : rounds) {
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

std::string joined(const std::vector<std::string>& parts, std::string_view separator) {
    std::string out;
    for (const auto& part : parts) {
        out += out.empty() ? part : std::string(separator) + part;
    }
    return out;
}

}  // namespace

std::vector<double> values_of(std::span<const round_values> rounds, const std::string& metric) {
    std::vector<double> result;
    for (const auto& round : rounds) {
        if (auto it = round.find(metric); it != round.end()) {
            result.push_back(it->second);
        }
    }
    return result;
}

bool benchmark_quality::interference() const noexcept {
    return other_cpu_share.value_or(0) > kInterferenceWarnShare ||
           steal_share.value_or(0) > kInterferenceWarnShare;
}

bool benchmark_quality::flagged() const noexcept {
    return interference() || bimodal_rounds > 0 || rounds_disagree.value_or(false);
}

benchmark_quality assess_rounds(std::string name, std::span<const round_values> rounds) {
    benchmark_quality q;
    q.name = std::move(name);
    q.rounds = rounds.size();
    q.real_time = median_interval(values_of(rounds, "real_time"));
    q.other_cpu_share = median_share(rounds, counter_name::other_cpu_us);
    q.steal_share = median_share(rounds, counter_name::steal_us);
    for (const auto& round : rounds) {
        if (const auto flag = round.find(std::string(counter_name::pass_bimodal));
            flag != round.end() && flag->second > 0) {
            ++q.bimodal_rounds;
        }
    }
    q.rounds_disagree = rounds_disagree_of(rounds);
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
    return joined(parts, "; ");
}

std::string brief_flags(const benchmark_quality& quality) {
    std::vector<std::string> parts;
    if (quality.other_cpu_share.value_or(0) > kInterferenceWarnShare) {
        parts.push_back(fmt::format("other {:.0f}%", *quality.other_cpu_share * 100));
    }
    if (quality.steal_share.value_or(0) > kInterferenceWarnShare) {
        parts.push_back(fmt::format("steal {:.0f}%", *quality.steal_share * 100));
    }
    if (quality.bimodal_rounds > 0) {
        parts.push_back(quality.rounds == 1
                            ? std::string("bimodal")
                            : fmt::format("bimodal {}/{}", quality.bimodal_rounds, quality.rounds));
    }
    if (quality.rounds_disagree.value_or(false)) {
        parts.emplace_back("disagree");
    }
    return joined(parts, ", ");
}

}  // namespace sfb::harness
