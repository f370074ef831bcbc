// What bench_sendfile adds around Google Benchmark 1.7.1 (Debian's libbenchmark): checks of the
// Google flags that this version reads differently from newer ones or would take silently,
// which of its outputs are JSON, and what its build type means.
#pragma once

#include <string>
#include <string_view>

namespace sfb::bench {

// Checks the Google flags 1.7.1 gets wrong for a user of newer versions, before Google parses
// them: --benchmark_min_time in the newer "0.1s" or "100x" syntax (1.7.1 takes plain seconds
// only) gets a hint, an unknown --benchmark_time_unit a message (1.7.1 would print its usage
// and exit 0). Returns false with `error` set.
bool check_google_flags(int argc, const char* const* argv, std::string& error);

// Which of Google's two outputs are JSON (and whether stdout is the console format), from the
// --benchmark_format, --benchmark_out and
// --benchmark_out_format flags in argv (the last one wins, as in Google's parser) or their
// BENCHMARK_FORMAT, BENCHMARK_OUT and BENCHMARK_OUT_FORMAT environment defaults.
struct json_outputs {
    bool display = false;   // stdout
    bool console = true;    // stdout in Google's console format (neither JSON nor CSV)
    bool file = false;      // --benchmark_out
    std::string file_path;  // --benchmark_out's value, when `file`
};
json_outputs find_json_outputs(int argc, const char* const* argv);

// "release" or "debug": the library_build_type Google writes into the context, which says
// whether libbenchmark itself was compiled with NDEBUG.
std::string library_build_type();

// The gbench_library_build_type context value: the build type and what it means.
std::string library_build_type_meaning(std::string_view build_type);

}  // namespace sfb::bench
