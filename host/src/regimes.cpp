#include "regimes.h"

#include <algorithm>
#include <cmath>

#include "sorted_quantile.h"

namespace sfb::harness {

namespace {

double sorted_iqr(std::span<const double> sorted) {
    return sorted_quantile(sorted, 0.75) - sorted_quantile(sorted, 0.25);
}

}  // namespace

std::vector<regime> find_regimes(std::span<const double> samples, const regime_rule& rule) {
    std::vector<regime> regimes;
    if (samples.empty()) {
        return regimes;
    }
    std::vector<double> sorted(samples.begin(), samples.end());
    std::sort(sorted.begin(), sorted.end());
    const auto share =
        static_cast<std::size_t>(std::ceil(rule.min_share * static_cast<double>(sorted.size())));
    // At least 3 a side: with fewer, one wide gap among a handful of samples from a single
    // continuous spread is too likely.
    const std::size_t min_count = std::max<std::size_t>(3, share);
    const double min_gap = rule.min_relative_gap * std::fabs(sorted_quantile(sorted, 0.5));
    const std::size_t n = sorted.size();
    // Every gap that qualifies, widest first.
    std::vector<std::pair<double, std::size_t>> gaps;  // (width, index of the value above it)
    for (std::size_t i = min_count; i + min_count <= n; ++i) {
        const double gap = sorted[i] - sorted[i - 1];
        const double nearby =
            std::max(sorted[i - 1] - sorted[i - min_count], sorted[i + min_count - 1] - sorted[i]);
        if (gap > 0 && gap >= min_gap && gap >= rule.gap_to_spread * nearby) {
            gaps.emplace_back(gap, i);
        }
    }
    std::sort(gaps.begin(), gaps.end(), [](const auto& a, const auto& b) {
        return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    std::vector<std::size_t> cuts = {0, n};
    for (const auto& [width, at] : gaps) {
        if (cuts.size() - 1 >= std::max<std::size_t>(rule.max_regimes, 1)) {
            break;
        }
        const auto above = std::upper_bound(cuts.begin(), cuts.end(), at);
        if (at - *(above - 1) >= min_count && *above - at >= min_count) {
            cuts.insert(above, at);
        }
    }
    for (std::size_t c = 0; c + 1 < cuts.size(); ++c) {
        const auto part = std::span<const double>(sorted).subspan(cuts[c], cuts[c + 1] - cuts[c]);
        regimes.push_back({part.front(), part.back(), sorted_quantile(part, 0.5), part.size()});
    }
    return regimes;
}

std::optional<bool> rounds_disagree(std::span<const double> round_medians,
                                    std::span<const double> within_round_iqrs, double factor) {
    if (round_medians.size() < 3 || within_round_iqrs.size() != round_medians.size()) {
        return std::nullopt;
    }
    std::vector<double> medians(round_medians.begin(), round_medians.end());
    std::sort(medians.begin(), medians.end());
    std::vector<double> spreads(within_round_iqrs.begin(), within_round_iqrs.end());
    std::sort(spreads.begin(), spreads.end());
    return sorted_iqr(medians) > factor * sorted_quantile(spreads, 0.5);
}

}  // namespace sfb::harness
