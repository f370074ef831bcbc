// Exports for CI dashboards: github-action-benchmark's customBiggerIsBetter and
// customSmallerIsBetter JSON, and the Bencher Metric Format (BMF).
#pragma once

#include "benchmark_json.h"

#include <string>
#include <string_view>
#include <vector>

namespace sfb::harness {

enum class export_format { github_bigger, github_smaller, bencher };

// "github-action-benchmark-bigger", "github-action-benchmark-smaller", "bencher"; usage_error
// for anything else.
export_format parse_export_format(std::string_view text);

// One exported number: a benchmark's median of one metric over its repetitions, with the
// first and third quartiles (type 7) as its range.
struct export_entry {
    std::string benchmark;
    std::string metric;   // the key in the result (real_time, bytes_per_second, ...)
    std::string measure;  // Bencher measure slug, e.g. "throughput-mb-s"
    std::string label;    // e.g. "MB/s", "sender CPU per pass"
    std::string unit;     // e.g. "MB/s", "us", "us/KiB"
    bool bigger_is_better = false;
    double median = 0;
    double q1 = 0;
    double q3 = 0;
    std::size_t repetitions = 0;
};

// Every benchmark with measured repetitions, and every exported metric it has: MB/s (bigger
// is better), real time per pass, sender CPU time per pass and service demand (smaller is
// better). Times in microseconds.
std::vector<export_entry> export_entries(const result_set& set);

// The document, as text, for `format`.
std::string render_export(const std::vector<export_entry>& entries, export_format format);

}  // namespace sfb::harness
