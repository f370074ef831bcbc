#include "confidence.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace sfb::harness {

namespace {

// The one-sided normal quantile for a two-sided level, by bisection on erfc (the levels
// asked for are few, so speed does not matter and no table is needed).
double normal_quantile_two_sided(double level) {
    const double tail = (1.0 - level) / 2.0;
    double low = 0.0;
    double high = 10.0;
    for (int i = 0; i < 200; ++i) {
        const double mid = (low + high) / 2.0;
        if (0.5 * std::erfc(mid / std::sqrt(2.0)) > tail) {
            low = mid;
        } else {
            high = mid;
        }
    }
    return (low + high) / 2.0;
}

constexpr std::size_t kExactLimit = 50;

}  // namespace

double confidence_interval::relative_half_width() const noexcept {
    if (estimate == 0.0) {
        return std::numeric_limits<double>::infinity();
    }
    return std::max(estimate - low, high - estimate) / std::fabs(estimate);
}

double binomial_half_cdf(std::size_t n, std::size_t k) {
    if (k >= n) {
        return 1.0;
    }
    // Summed in logs: lgamma keeps C(n, i) / 2^n finite for any n.
    const double log_half_n = static_cast<double>(n) * std::log(0.5);
    const double nn = static_cast<double>(n);
    double sum = 0.0;
    for (std::size_t i = 0; i <= k; ++i) {
        const double ii = static_cast<double>(i);
        sum += std::exp(std::lgamma(nn + 1) - std::lgamma(ii + 1) - std::lgamma(nn - ii + 1) +
                        log_half_n);
    }
    return std::min(sum, 1.0);
}

std::size_t median_interval_rank(std::size_t n, double level) {
    std::size_t rank = 0;
    for (std::size_t k = 1; 2 * k <= n + 1; ++k) {
        if (1.0 - 2.0 * binomial_half_cdf(n, k - 1) >= level) {
            rank = k;
        } else {
            break;
        }
    }
    return rank;
}

std::optional<confidence_interval> median_interval(std::span<const double> values, double level) {
    const std::size_t n = values.size();
    const std::size_t k = median_interval_rank(n, level);
    if (k == 0) {
        return std::nullopt;
    }
    std::vector<double> sorted(values.begin(), values.end());
    std::sort(sorted.begin(), sorted.end());
    const double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
    return confidence_interval{median, sorted[k - 1], sorted[n - k],
                               1.0 - 2.0 * binomial_half_cdf(n, k - 1)};
}

namespace {

// The cumulative null distribution of U for sizes m and n: cdf[u] = P(U <= u).
std::vector<double> mann_whitney_distribution(std::size_t m, std::size_t n) {
    // counts[v]: arrangements of m x's and n y's with U = v, built one sample at a time with
    // the recurrence c(m, n, v) = c(m - 1, n, v - n) + c(m, n - 1, v). Doubles hold
    // C(100, 50) ~ 1e29 without overflow.
    std::vector<std::vector<double>> previous(n + 1);
    for (std::size_t j = 0; j <= n; ++j) {
        previous[j] = {1.0};  // m = 0: U = 0 in one way
    }
    for (std::size_t i = 1; i <= m; ++i) {
        std::vector<std::vector<double>> current(n + 1);
        current[0] = {1.0};  // n = 0
        for (std::size_t j = 1; j <= n; ++j) {
            std::vector<double> counts(i * j + 1, 0.0);
            for (std::size_t v = 0; v < previous[j].size(); ++v) {
                counts[v + j] += previous[j][v];  // the largest value is an x, above all j y's
            }
            for (std::size_t v = 0; v < current[j - 1].size(); ++v) {
                counts[v] += current[j - 1][v];  // the largest value is a y
            }
            current[j] = std::move(counts);
        }
        previous = std::move(current);
    }
    std::vector<double> cdf = std::move(previous[n]);
    double total = 0.0;
    for (double& c : cdf) {
        total += c;
        c = total;
    }
    for (double& c : cdf) {
        c /= total;
    }
    return cdf;
}

}  // namespace

double mann_whitney_cdf(std::size_t m, std::size_t n, std::size_t u) {
    const auto cdf = mann_whitney_distribution(m, n);
    return cdf[std::min(u, cdf.size() - 1)];
}

std::size_t shift_interval_rank(std::size_t m, std::size_t n, double level) {
    if (m == 0 || n == 0) {
        return 0;
    }
    const double tail = (1.0 - level) / 2.0;
    if (m > kExactLimit || n > kExactLimit) {
        const double mn = static_cast<double>(m * n);
        const double sd = std::sqrt(mn * static_cast<double>(m + n + 1) / 12.0);
        const double k = std::floor(mn / 2.0 - normal_quantile_two_sided(level) * sd);
        return k < 1.0 ? 0 : static_cast<std::size_t>(k);
    }
    const auto cdf = mann_whitney_distribution(m, n);
    std::size_t rank = 0;
    for (std::size_t k = 1; 2 * k <= m * n + 1; ++k) {
        if (cdf[k - 1] <= tail) {
            rank = k;
        } else {
            break;
        }
    }
    return rank;
}

std::vector<double> thinned(std::span<const double> values, std::size_t at_most) {
    std::vector<double> sorted(values.begin(), values.end());
    std::sort(sorted.begin(), sorted.end());
    if (sorted.size() <= at_most || at_most == 0) {
        return sorted;
    }
    std::vector<double> out;
    out.reserve(at_most);
    const double step = static_cast<double>(sorted.size()) / static_cast<double>(at_most);
    for (std::size_t i = 0; i < at_most; ++i) {
        const auto at = static_cast<std::size_t>((static_cast<double>(i) + 0.5) * step);
        out.push_back(sorted[std::min(at, sorted.size() - 1)]);
    }
    return out;
}

std::optional<confidence_interval> shift_interval(std::span<const double> base_in,
                                                  std::span<const double> candidate_in,
                                                  double level) {
    const std::vector<double> base_kept = thinned(base_in);
    const std::vector<double> candidate_kept = thinned(candidate_in);
    const std::span<const double> base(base_kept);
    const std::span<const double> candidate(candidate_kept);
    const std::size_t k = shift_interval_rank(base.size(), candidate.size(), level);
    if (k == 0) {
        return std::nullopt;
    }
    std::vector<double> differences;
    differences.reserve(base.size() * candidate.size());
    for (const double x : base) {
        for (const double y : candidate) {
            differences.push_back(y - x);
        }
    }
    std::sort(differences.begin(), differences.end());
    const std::size_t count = differences.size();
    const double estimate = count % 2 == 1
                                ? differences[count / 2]
                                : (differences[count / 2 - 1] + differences[count / 2]) / 2.0;
    const double coverage =
        base.size() > kExactLimit || candidate.size() > kExactLimit
            ? level
            : 1.0 - 2.0 * mann_whitney_cdf(base.size(), candidate.size(), k - 1);
    return confidence_interval{estimate, differences[k - 1], differences[count - k], coverage};
}

std::optional<confidence_interval> ratio_interval(std::span<const double> base,
                                                  std::span<const double> candidate, double level) {
    const auto positive = [](std::span<const double> values) {
        return std::all_of(values.begin(), values.end(), [](double v) { return v > 0.0; });
    };
    if (!positive(base) || !positive(candidate)) {
        return std::nullopt;
    }
    std::vector<double> log_base;
    std::vector<double> log_candidate;
    for (const double v : base) {
        log_base.push_back(std::log(v));
    }
    for (const double v : candidate) {
        log_candidate.push_back(std::log(v));
    }
    auto shift = shift_interval(log_base, log_candidate, level);
    if (!shift) {
        return std::nullopt;
    }
    return confidence_interval{std::exp(shift->estimate) - 1.0, std::exp(shift->low) - 1.0,
                               std::exp(shift->high) - 1.0, shift->coverage};
}

std::optional<confidence_interval> pairwise_ratio_interval(std::span<const double> ratios,
                                                           std::size_t candidate_count,
                                                           double level) {
    if (candidate_count == 0 || ratios.empty() || ratios.size() % candidate_count != 0) {
        return std::nullopt;
    }
    // Logarithms keep the order, so the order statistics of the ratios are those of the
    // differences of the logarithms that shift_interval() takes.
    const std::size_t k =
        shift_interval_rank(ratios.size() / candidate_count, candidate_count, level);
    if (k == 0) {
        return std::nullopt;
    }
    std::vector<double> sorted(ratios.begin(), ratios.end());
    std::sort(sorted.begin(), sorted.end());
    const std::size_t n = sorted.size();
    // Between two middle ratios, their geometric mean: the midpoint of their logarithms.
    const double estimate =
        n % 2 == 1 ? sorted[n / 2] : std::sqrt(sorted[n / 2 - 1] * sorted[n / 2]);
    const std::size_t base_count = n / candidate_count;
    const double coverage = base_count > kExactLimit || candidate_count > kExactLimit
                                ? level
                                : 1.0 - 2.0 * mann_whitney_cdf(base_count, candidate_count, k - 1);
    return confidence_interval{estimate, sorted[k - 1], sorted[n - k], coverage};
}

}  // namespace sfb::harness
