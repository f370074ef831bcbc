#include "stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace sfb::harness {

double quantile(std::span<const double> values, double q) {
    if (values.empty()) {
        throw std::invalid_argument("quantile of an empty sample");
    }
    std::vector<double> sorted(values.begin(), values.end());
    std::sort(sorted.begin(), sorted.end());
    return sorted_quantile(sorted, q);
}

double median(std::span<const double> values) {
    return quantile(values, 0.5);
}

double mean(std::span<const double> values) {
    if (values.empty()) {
        throw std::invalid_argument("mean of an empty sample");
    }
    return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

double sample_stddev(std::span<const double> values) {
    if (values.size() < 2) {
        return 0;
    }
    const double m = mean(values);
    double sum = 0;
    for (double v : values) {
        sum += (v - m) * (v - m);
    }
    return std::sqrt(sum / static_cast<double>(values.size() - 1));
}

namespace {

// The null distribution of U without ties, indexed by U. The probabilities follow the recurrence
// of Mann & Whitney (1947): the largest of the n1 + n2 values belongs to the first sample with
// probability n1 / (n1 + n2), and then adds n2 to U. Probabilities instead of counts keep the
// numbers in range for large samples.
std::vector<double> exact_distribution(std::size_t n1, std::size_t n2) {
    // previous[j] / current[j] hold the distribution of U (indexed by U) for sizes (i - 1, j)
    // and (i, j); two rows of the table are enough.
    std::vector<std::vector<double>> previous(n2 + 1);
    for (auto& dist : previous) {
        dist.assign(1, 1.0);  // sizes (0, j): U is always 0
    }
    std::vector<std::vector<double>> current(n2 + 1);
    for (std::size_t i = 1; i <= n1; ++i) {
        current[0].assign(1, 1.0);
        for (std::size_t j = 1; j <= n2; ++j) {
            auto& dist = current[j];
            dist.assign(i * j + 1, 0.0);
            const double total = static_cast<double>(i + j);
            const double from_first = static_cast<double>(i) / total;
            const double from_second = static_cast<double>(j) / total;
            const auto& without_first = previous[j];
            const auto& without_second = current[j - 1];
            for (std::size_t k = 0; k < without_first.size(); ++k) {
                dist[k + j] += from_first * without_first[k];
            }
            for (std::size_t k = 0; k < without_second.size(); ++k) {
                dist[k] += from_second * without_second[k];
            }
        }
        std::swap(previous, current);
    }
    return previous[n2];
}

double normal_sf(double z) {
    return 0.5 * std::erfc(z / std::sqrt(2.0));
}

}  // namespace

mann_whitney_result mann_whitney_u(std::span<const double> x, std::span<const double> y,
                                   p_value_method method) {
    if (x.empty() || y.empty()) {
        throw std::invalid_argument("Mann-Whitney U test needs two non-empty samples");
    }
    const std::size_t n1 = x.size();
    const std::size_t n2 = y.size();
    const std::size_t n = n1 + n2;

    // Rank the pooled sample, ties getting the average of the ranks they span.
    std::vector<std::pair<double, bool>> pooled;  // value, belongs to x
    pooled.reserve(n);
    for (double v : x) {
        pooled.emplace_back(v, true);
    }
    for (double v : y) {
        pooled.emplace_back(v, false);
    }
    std::sort(pooled.begin(), pooled.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    double rank_sum_x = 0;
    double tie_term = 0;  // sum of t^3 - t over groups of t tied values
    for (std::size_t start = 0; start < n;) {
        std::size_t end = start + 1;
        while (end < n && pooled[end].first == pooled[start].first) {
            ++end;
        }
        const double average_rank = static_cast<double>(start + end + 1) / 2.0;
        for (std::size_t k = start; k < end; ++k) {
            if (pooled[k].second) {
                rank_sum_x += average_rank;
            }
        }
        const auto t = static_cast<double>(end - start);
        tie_term += t * t * t - t;
        start = end;
    }

    mann_whitney_result result;
    const double dn1 = static_cast<double>(n1);
    const double dn2 = static_cast<double>(n2);
    result.u_base = rank_sum_x - dn1 * (dn1 + 1) / 2.0;
    result.ties = tie_term > 0;
    const double u_max = std::max(result.u_base, dn1 * dn2 - result.u_base);

    if (method == p_value_method::automatic) {
        method = (!result.ties && n1 <= 50 && n2 <= 50) ? p_value_method::exact
                                                        : p_value_method::asymptotic;
    }
    if (method == p_value_method::exact) {
        // Two-sided: twice the upper tail at the larger U (the distribution is symmetric).
        // Without ties U is an integer; with ties (only when asked for explicitly) the
        // half-integer is rounded up, as a conservative choice.
        const auto u_upper = static_cast<std::size_t>(std::ceil(u_max));
        const std::vector<double> dist = exact_distribution(n1, n2);
        double upper_tail = 0;
        for (std::size_t k = u_upper; k < dist.size(); ++k) {
            upper_tail += dist[k];
        }
        result.p_value = std::min(1.0, 2.0 * upper_tail);
        result.exact = true;
        return result;
    }

    const double mu = dn1 * dn2 / 2.0;
    const double dn = static_cast<double>(n);
    const double variance = dn1 * dn2 / 12.0 * ((dn + 1) - tie_term / (dn * (dn - 1)));
    if (variance <= 0) {
        // Every value is the same: no evidence of any difference.
        result.p_value = 1.0;
        return result;
    }
    const double z = (u_max - mu - 0.5) / std::sqrt(variance);
    result.p_value = std::clamp(2.0 * normal_sf(z), 0.0, 1.0);
    return result;
}

wilcoxon_result wilcoxon_signed_rank(std::span<const double> base,
                                     std::span<const double> candidate, p_value_method method) {
    if (base.size() != candidate.size()) {
        throw std::invalid_argument("Wilcoxon signed-rank test needs samples of equal size");
    }
    std::vector<double> differences;
    bool zeros = false;
    for (std::size_t i = 0; i < base.size(); ++i) {
        const double d = candidate[i] - base[i];
        if (d == 0) {
            zeros = true;
        } else {
            differences.push_back(d);
        }
    }
    wilcoxon_result result;
    const std::size_t n = differences.size();
    result.pairs = n;
    if (n == 0) {
        return result;
    }
    std::sort(differences.begin(), differences.end(),
              [](double a, double b) { return std::fabs(a) < std::fabs(b); });
    double tie_term = 0;
    for (std::size_t start = 0; start < n;) {
        std::size_t end = start + 1;
        while (end < n && std::fabs(differences[end]) == std::fabs(differences[start])) {
            ++end;
        }
        const double average_rank = static_cast<double>(start + end + 1) / 2.0;
        for (std::size_t k = start; k < end; ++k) {
            if (differences[k] > 0) {
                result.w_plus += average_rank;
            }
        }
        const auto t = static_cast<double>(end - start);
        tie_term += t * t * t - t;
        start = end;
    }
    result.ties = tie_term > 0;
    const double dn = static_cast<double>(n);
    const double total = dn * (dn + 1) / 2;
    const double smaller = std::min(result.w_plus, total - result.w_plus);

    if (method == p_value_method::automatic) {
        method = (!result.ties && !zeros && n <= 50) ? p_value_method::exact
                                                     : p_value_method::asymptotic;
    }
    if (method == p_value_method::exact) {
        // Under the null hypothesis each rank 1..n is positive with probability 1/2,
        // independently: the distribution of W+ by dynamic programming over the ranks.
        const auto max_sum = static_cast<std::size_t>(total);
        std::vector<double> dist(max_sum + 1, 0.0);
        dist[0] = 1.0;
        for (std::size_t rank = 1; rank <= n; ++rank) {
            for (std::size_t sum = max_sum; sum + 1 > 0; --sum) {
                const double without = dist[sum] * 0.5;
                const double with = sum >= rank ? dist[sum - rank] * 0.5 : 0.0;
                dist[sum] = without + with;
            }
        }
        const auto upto = static_cast<std::size_t>(std::floor(smaller));
        double lower_tail = 0;
        for (std::size_t k = 0; k <= upto; ++k) {
            lower_tail += dist[k];
        }
        result.p_value = std::min(1.0, 2.0 * lower_tail);
        result.exact = true;
        return result;
    }
    const double mean_w = dn * (dn + 1) / 4;
    const double variance = dn * (dn + 1) * (2 * dn + 1) / 24 - tie_term / 48;
    if (variance <= 0) {
        result.p_value = 1.0;
        return result;
    }
    const double z = (smaller - mean_w) / std::sqrt(variance);
    result.p_value = std::clamp(2.0 * normal_sf(-z), 0.0, 1.0);
    return result;
}

double wilcoxon_min_p_value(std::size_t pairs) {
    return std::min(1.0, 2.0 / std::pow(2.0, static_cast<double>(pairs)));
}

double mann_whitney_min_p_value(std::size_t n1, std::size_t n2) {
    // C(n1 + n2, n1) computed in floating point; it only needs to be compared with alpha.
    double combinations = 1;
    for (std::size_t k = 1; k <= n1; ++k) {
        combinations = combinations * static_cast<double>(n2 + k) / static_cast<double>(k);
    }
    return std::min(1.0, 2.0 / combinations);
}

std::vector<double> holm_adjust(std::span<const double> p_values) {
    std::vector<std::size_t> order(p_values.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return p_values[a] < p_values[b]; });
    std::vector<double> adjusted(p_values.size());
    double running = 0;
    for (std::size_t j = 0; j < order.size(); ++j) {
        const double scaled = static_cast<double>(order.size() - j) * p_values[order[j]];
        running = std::max(running, std::min(1.0, scaled));
        adjusted[order[j]] = running;
    }
    return adjusted;
}

}  // namespace sfb::harness
