// What a result says about its own trustworthiness, per benchmark: the median's
// distribution-free interval, interference, bimodal passes and disagreeing rounds, by the
// rules of benchmark_quality.h (host/summary/, which bench_sendfile's console rows use too).
// `sfb run`, `sfb ab`, `sfb compare` and `sfb report` print these next to the numbers, and
// `sfb run --target-ci` decides from the intervals when to stop.
#pragma once

#include "benchmark_json.h"
#include "benchmark_quality.h"
#include "confidence.h"

#include <optional>
#include <string>
#include <vector>

namespace sfb::harness {

// The quality of one benchmark's repetitions.
benchmark_quality assess(const benchmark_series& series);

// The benchmarks of `set` whose real-time interval is wider than +-target of their median
// (relative half-width, see confidence_interval), or that have too few rounds for an
// interval at all.
std::vector<std::string> not_converged(const result_set& set, double target);

// One line per flagged benchmark of `set` ("NAME: flags"), for summaries and the stored
// context; empty when nothing is flagged.
std::vector<std::string> quality_warnings(const result_set& set);

}  // namespace sfb::harness
