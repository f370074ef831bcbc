// Tables about bench_sendfile's paths: the summary after `sfb run` and the cross-machine
// `sfb report`. Names that do not follow bench_sendfile's pattern are shown as opaque names.
#pragma once

#include "benchmark_json.h"
#include "suite_name.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sfb::harness {

enum class output_format { text, markdown, json };

// Per benchmark, medians over the repetitions with their 95% intervals (confidence.h): MB/s,
// CPU usec/pass (sending thread), service demand (usec of system-wide CPU per KiB), the
// speed-up over read_send of the same configuration (Hodges-Lehmann ratio of the MB/s
// values and its interval; in the JSON rows), and the benchmark's flags (run_quality.h). The
// text and Markdown summaries end with every path against read_send per configuration, MB/s
// and sender CPU, and whether that depends on placement (path_comparison.h, the table
// bench_sendfile's console output ends with).
std::string render_run_summary(const result_set& set, output_format format, bool colour);

struct report_filters {
    std::vector<std::string> paths;
    std::vector<std::uint64_t> file_sizes;
    std::vector<std::uint64_t> block_sizes;
};

struct report_machine {
    std::string os;
    std::string kernel_release;
    std::string vm_accel;  // kvm or tcg for a guest of sfb kernels, else empty
};

// One row of `sfb report`: every sample of one configuration, path and machine.
struct report_row {
    std::string configuration;  // empty for names that do not follow bench_sendfile's pattern
    std::string path;
    std::string machine;  // machine_fingerprint
    std::vector<double> mbps;
    std::vector<double> cpu_us;
    // Every repetition of the path over every one of read_send (of at most kMaxPairedSample
    // of each, confidence.h), grouped by the repetition of read_send.
    std::vector<double> speedups;
    std::size_t runs = 0;                // result files that contributed
    std::size_t speedup_candidates = 0;  // the repetitions of the path the speed-ups use
};

struct report_model {
    std::vector<report_row> rows;  // by configuration, path, machine
    std::map<std::string, report_machine> machines;
};

// The report's data: read, filtered and pooled. input_error for bad files, or when the filters
// leave nothing.
report_model build_report(std::span<const std::filesystem::path> inputs,
                          const report_filters& filters);

// One row per machine, configuration and path over every result file under `inputs`, pooled
// per machine (machine_fingerprint). Each value is the median with its 95% interval; the
// speed-up over read_send is the median of all ratios between one repetition of the path and
// one of read_send on the same machine and configuration (the Hodges-Lehmann ratio), with
// the interval of the Mann-Whitney test (confidence.h). input_error for bad
// files; an input_error too when the filters leave nothing.
std::string render_report(std::span<const std::filesystem::path> inputs,
                          const report_filters& filters, output_format format, bool colour);

}  // namespace sfb::harness
