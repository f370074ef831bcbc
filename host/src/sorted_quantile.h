// The quantile of values already sorted: the one interpolation of the regime rule
// (regimes.cpp) and of sfb's statistics (host/summary/stats.h), so both programs compute a
// median the same way.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>

namespace sfb::harness {

// Linear interpolation between order statistics (Hyndman & Fan type 7, the default of R and
// numpy) on values already sorted, q in [0, 1]; 0 for none.
inline double sorted_quantile(std::span<const double> sorted, double q) {
    if (sorted.empty()) {
        return 0.0;
    }
    const double position = q * static_cast<double>(sorted.size() - 1);
    const auto below = static_cast<std::size_t>(std::floor(position));
    const std::size_t above = std::min(below + 1, sorted.size() - 1);
    const double fraction = position - static_cast<double>(below);
    return sorted[below] + fraction * (sorted[above] - sorted[below]);
}

}  // namespace sfb::harness
