// bench_sendfile's console output: one compact row per benchmark (MB/s, the sender's and the
// receiver's CPU per pass, service demand, and a mark where its passes raised a flag), and
// after the last one every path against read_send per configuration (path_comparison.h, the
// table `sfb run` ends with too). Every line fits in kConsoleWidth columns. JSON and
// --benchmark_out are written by Google's reporters and keep every counter;
// --sfb_counters=all brings back Google's own console output.
#pragma once

#include <benchmark/benchmark.h>

#include <cstddef>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "path_comparison.h"

namespace sfb::bench {

// A run's times in microseconds ("real_time", "cpu_time") and its counters, as sfb reads them
// from the JSON.
sfb::harness::round_values run_values(const benchmark::BenchmarkReporter::Run& run);

// The name a row shows: the benchmark's name without Google's "/real_time" suffix, which every
// benchmark of the suite has.
std::string row_name(std::string_view run_name);

// The name column's width for names up to `longest` characters: all of them, up to what leaves
// room for the numbers and a few flags; longer names get a line of their own.
std::size_t name_column_width(std::size_t longest);

// The header line (and its rule) for a name column `name_width` wide.
std::string console_header(std::size_t name_width);

// One benchmark's row: `values` are those shown (one round, or the median of the rounds),
// `rounds` every round (for the flags), `note` follows the name ("median of 9"). A name wider
// than the column goes on lines of its own, broken after a '/'.
std::string console_row(std::string_view name, std::string_view note,
                        const sfb::harness::round_values& values,
                        std::span<const sfb::harness::round_values> rounds, std::size_t name_width);

// A failed benchmark's row: its name and the start of its error message.
std::string console_failure(std::string_view name, std::string_view message,
                            std::size_t name_width);

class console_reporter : public benchmark::BenchmarkReporter {
  public:
    bool ReportContext(const Context& context) override;
    void ReportRuns(const std::vector<Run>& runs) override;
    void Finalize() override;

  private:
    sfb::harness::benchmark_rounds& benchmark_named(const std::string& name);

    std::vector<sfb::harness::benchmark_rounds> benchmarks_;  // in the order they ran
    std::map<std::string, std::size_t> index_;
    // Medians of benchmarks whose rounds were not reported (aggregates only).
    std::map<std::string, sfb::harness::round_values> medians_;
    std::size_t name_width_ = 0;
};

}  // namespace sfb::bench
