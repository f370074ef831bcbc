// Regimes: samples of one benchmark that fall into separate clusters.
//
// A loopback benchmark can run in two states and jump between them (receive processing on
// the receiver's thread or in the sender's softirq, the threads on one CPU or on two): its
// samples then form two clusters, and their mean or median describes neither. This finds such
// clusters with a rule simple enough to state. Sort the samples. A gap between two neighbours
// splits them when at least `min_share` of the samples (and at least 3) lie on each side, the gap
// is at least `min_relative_gap` of the overall median, AND it is at least `gap_to_spread` times as
// wide as the spread next to it: the range of the min_share samples just below it, or of those just
// above it, whichever is wider. The widest such gaps are cut first, as long as every cluster keeps
// min_share of the samples, up to `max_regimes` clusters. A tail of outliers (under min_share) or a
// wide but continuous spread is never a regime.
//
// It lives in host/, below both programs, and uses nothing of either: bench_sendfile flags its
// own per-pass samples with it and sfb its rounds, so both apply the same rule.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

namespace sfb::harness {

struct regime_rule {
    double min_share = 0.15;
    double min_relative_gap = 0.05;
    double gap_to_spread = 3.0;
    std::size_t max_regimes = 4;
};

struct regime {
    double low = 0;
    double high = 0;
    double median = 0;
    std::size_t count = 0;
};

// The clusters of `samples`, from the lowest; one regime for samples that do not split, none
// for no samples.
std::vector<regime> find_regimes(std::span<const double> samples, const regime_rule& rule = {});

// Rounds disagree when the spread between them is larger than the spread within them: the
// interquartile range of the rounds' medians exceeds `factor` times the median of the rounds'
// own interquartile ranges (per pass). With independent passes the rounds' medians spread
// about a quarter as much as the passes do, so a factor of 1 flags only rounds that ran in
// different conditions. nullopt when fewer than 3 rounds or the within-round spreads are not
// known (as many as there are medians).
std::optional<bool> rounds_disagree(std::span<const double> round_medians,
                                    std::span<const double> within_round_iqrs, double factor = 1.0);

}  // namespace sfb::harness
