// Merging what the rounds of a run wrote into one Google Benchmark JSON document.
#pragma once

#include "benchmark_json.h"

#include <vector>

namespace sfb::harness {

// One document from several rounds: the first round's context plus "sfb_harness_rounds" and
// "format_version" (the contract's: the merged document is written in this sfb's format),
// every per-repetition entry renumbered (repetition_index 0..n-1, repetitions n), and the
// aggregates Google Benchmark writes itself (mean, median, stddev, cv) recomputed over the
// merged repetitions. The rounds must have passed add_benchmark_document's checks.
ordered_json merge_rounds(const std::vector<ordered_json>& rounds);

}  // namespace sfb::harness
