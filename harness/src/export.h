// Exports for CI dashboards: github-action-benchmark's customBiggerIsBetter and
// customSmallerIsBetter JSON, and the Bencher Metric Format (BMF). And the tidy export (CSV or
// JSON Lines, one row per number, format/README.md) that plots/ and other tools read instead
// of the result JSON.
#pragma once

#include "benchmark_json.h"

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace sfb::harness {

enum class export_format { github_bigger, github_smaller, bencher, tidy_csv, tidy_jsonl };

// "github-action-benchmark-bigger", "github-action-benchmark-smaller", "bencher", "tidy-csv",
// "tidy-jsonl"; usage_error for anything else.
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
// better). Times in microseconds. Under qemu's instruction clock (context key vm_clock
// instructions) instead guest_instructions_per_pass and _per_kib, and cpu_time and service
// demand times 1000, in instructions and instructions/KiB: no MB/s, nothing in us.
// input_error when `set` holds results of both clocks.
std::vector<export_entry> export_entries(const result_set& set);

// The document, as text, for `format`.
std::string render_export(const std::vector<export_entry>& entries, export_format format);

// The tidy export's columns, in order: source, machine_fingerprint, record, benchmark, one per
// name segment of the contract (path ... placement), repetition, metric, value, unit, ci_low,
// ci_high, n, text.
std::vector<std::string> tidy_columns();

// The tidy rows of one result file (`set` holds that file only, after --filter), each an
// object with tidy_columns() as keys in that order (null for an empty cell): one `context` row
// per context key, then per benchmark one `repetition` row per repetition and metric, one
// `median` row per metric (the median with its 95% order-statistic interval, median_interval,
// as in sfb's tables) and an `error` row when it reported an error; then, in the order of the
// table of paths against read_send (compare_paths(), path_comparison.h), one `ratio` row per
// compared path and metric (bytes_per_second, cpu_time): the Hodges-Lehmann ratio path /
// read_send over rounds with its 95% interval, read_send's name as text. Times in
// microseconds; under qemu's instruction clock (vm_clock instructions) in instructions (1000
// per us, unit instructions or instructions/KiB), and no row of a B/s metric.
std::vector<ordered_json> tidy_rows(const result_set& set, const std::filesystem::path& source);

// The rows as CSV (a header, RFC 4180 quoting, CRLF-free: lines end in \n) or JSON Lines (one
// ASCII object per line). `header` false leaves out the CSV header (for files after the first).
std::string render_tidy(const std::vector<ordered_json>& rows, export_format format,
                        bool header = true);

}  // namespace sfb::harness
