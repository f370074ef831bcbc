// Strict JSON output. Google Benchmark 1.7.1's JSON reporter writes a non-finite double as the
// bare words NaN, -NaN, Infinity or -Infinity, which JSON does not have: with two or more
// repetitions the coefficient of variation of a counter that is always 0 (bytes_verified
// without --sfb_verify, zerocopy_copied, softirq_us on an idle machine) is 0/0, and strict
// parsers (JavaScript's JSON.parse, serde_json, nlohmann::json) then reject the whole file.
//
// bench_sendfile therefore hands Google a JSON reporter of its own for --benchmark_format=json
// and for --benchmark_out (whose format is JSON unless --benchmark_out_format says otherwise)
// that writes such a value as null. null rather than leaving the key out: every benchmark
// entry keeps the same keys, a reader sees that the statistic exists but is undefined, and
// sfb already reads the older files' bare NaN as null.
#pragma once

#include <benchmark/benchmark.h>

#include <string>
#include <string_view>
#include <vector>

namespace sfb::bench {

// `json_text` with every NaN, -NaN, Infinity and -Infinity outside a string replaced by null.
std::string null_for_non_finite(std::string_view json_text);

// Google's JSONReporter, with its output passed through null_for_non_finite piece by piece
// (the context, each group of runs, the end), so it still streams.
class strict_json_reporter : public benchmark::JSONReporter {
  public:
    bool ReportContext(const Context& context) override;
    void ReportRuns(const std::vector<Run>& runs) override;
    void Finalize() override;
};

}  // namespace sfb::bench
