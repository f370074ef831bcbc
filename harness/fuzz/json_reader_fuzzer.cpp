// libFuzzer target for the harness's JSON reader: whatever the bytes, reading them as a
// result file either succeeds or ends in an InputError (exit 2 in sfb, naming the file).
// Any other exception, a crash, a sanitizer report, a hang or unbounded memory is a bug.
#include "benchmark_json.hpp"
#include "merge_rounds.hpp"
#include "suite_report.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace sfb::harness;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        const Json document = parse_json_text(text, "fuzz-input.json");
        ResultSet set;
        add_benchmark_document(set, document, "fuzz-input.json");
        // What sfb does next with a document that passed: merge it as a round, read the
        // merged document back, and take the benchmark names apart.
        const Json merged = merge_rounds(std::vector<Json>{document, document});
        ResultSet merged_set;
        add_benchmark_document(merged_set, merged, "merged");
        for (const auto& series : set.benchmarks) {
            (void)parse_suite_name(series.name);
        }
    } catch (const InputError&) {
        // Bad input, reported by name: the expected outcome for most inputs.
    }
    return 0;
}
