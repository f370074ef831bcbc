// libFuzzer target for the harness's JSON reader: whatever the bytes, reading them as a
// result file either succeeds or ends in an input_error (exit 2 in sfb, naming the file).
// Any other exception, a crash, a sanitizer report, a hang or unbounded memory is a bug.
#include "benchmark_json.h"
#include "merge_rounds.h"
#include "suite_report.h"

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace sfb::harness;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        const ordered_json document = parse_json_text(text, "fuzz-input.json");
        result_set set;
        add_benchmark_document(set, document, "fuzz-input.json");
        // What sfb does next with a document that passed: merge it as a round, read the
        // merged document back, and take the benchmark names apart.
        const ordered_json merged = merge_rounds(std::vector<ordered_json>{document, document});
        result_set merged_set;
        add_benchmark_document(merged_set, merged, "merged");
        for (const auto& series : set.benchmarks) {
            (void)parse_suite_name(series.name);
        }
    } catch (const input_error&) {
        // Bad input, reported by name: the expected outcome for most inputs.
    }
    return 0;
}
