// Every path against read_send of the same configuration: the table that both bench_sendfile's
// console output and `sfb run`'s summary end with, and the sentence that says whether the
// answer depends on where the threads ran. One renderer for both programs, so that a ratio
// reads the same wherever it is printed.
#pragma once

#include "benchmark_quality.h"
#include "confidence.h"
#include "suite_name.h"

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sfb::harness {

// No line of bench_sendfile's console output, nor of this table, is wider.
inline constexpr std::size_t kConsoleWidth = 160;

// One benchmark as the comparison reads it: its name as the program wrote it (a "/real_time"
// suffix and the like may follow the placement) and its rounds.
struct benchmark_rounds {
    std::string name;
    std::vector<round_values> rounds;
    bool failed = false;  // failed benchmarks are left out of the comparison
};

// candidate / base: the Hodges-Lehmann ratio (the median of the ratios of every round of one to
// every round of the other), with its distribution-free 95% interval (confidence.h) when both
// have enough rounds (4 a side).
struct ratio_estimate {
    double estimate = 0;
    std::optional<confidence_interval> interval;  // as ratios, not changes
};

// nullopt when either side is empty or holds a value that is not positive.
std::optional<ratio_estimate> estimate_ratio(std::span<const double> base,
                                             std::span<const double> candidate);

// One path of one configuration against read_send of the same configuration.
struct path_ratio {
    suite_name name;  // the path's
    std::optional<ratio_estimate> mb_per_s;
    std::optional<ratio_estimate> cpu_per_pass;  // the sending thread's CPU (cpu_time)
    std::size_t rounds = 0;                      // the path's
    std::size_t baseline_rounds = 0;             // read_send's
    bool flagged = false;                        // either benchmark was flagged (benchmark_quality)
};

// Every path but read_send that has a read_send of its configuration, ordered by setting
// (suite_name::setting), then path, then placement, each in the order first seen.
std::vector<path_ratio> compare_paths(std::span<const benchmark_rounds> benchmarks);

// Whether the MB/s ratios depend on placement, in one sentence generated from `ratios`: the
// comparison whose ratio crosses 1 between placements by the widest margin ("sendfile's MB/s
// ratio over read_send is 1.17x split and 0.51x same (...): the answer depends on placement;
// ..."), else the one whose ratio moves most, else that they agree; when one placement ran, that
// the others may answer differently. Empty without placements (results from before them).
std::string placement_sentence(std::span<const path_ratio> ratios);

enum class table_style { text, markdown };

// The table of compare_paths(), a legend, and placement_sentence(), every line at most
// kConsoleWidth columns (text style, without colour); empty when no path has a read_send to be
// compared with.
std::string render_path_comparison(std::span<const benchmark_rounds> benchmarks, table_style style,
                                   bool colour);

// Printed as a space by wrap_text(), which never breaks a line there: "64 MiB" stays whole.
inline constexpr char kKeepTogether = '\x1f';

// `text` broken at spaces into lines of at most `width` columns (a longer word stays whole),
// each ending in a newline.
std::string wrap_text(std::string_view text, std::size_t width);

}  // namespace sfb::harness
