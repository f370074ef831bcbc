#include "google_benchmark.h"

#include <benchmark/benchmark.h>
#include <sfb/printable.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <sstream>

namespace sfb::bench {

namespace {

// The value of flag `name` ("--name=value") in argv, else of its environment variable, else
// `fallback`.
std::string flag_value(int argc, const char* const* argv, std::string_view name,
                       std::string_view env, std::string_view fallback) {
    std::string value(fallback);
    if (const char* from_env = std::getenv(std::string(env).c_str())) {
        value = from_env;
    }
    const std::string prefix = "--" + std::string(name) + "=";
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg.starts_with(prefix)) {
            value = arg.substr(prefix.size());
        }
    }
    return value;
}

bool is_number(std::string_view text) {
    double value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return !text.empty() && ec == std::errc{} && end == text.data() + text.size();
}

// A numeric Google flag and the values it may take. 1.7.1 takes any double and any 32-bit
// integer: a negative repetition count aborts with std::length_error, and a minimum time of
// nan, inf or 1e308 never ends, so the range is checked here, before Google parses it.
struct numeric_flag {
    std::string_view name;
    std::string_view env;
    bool whole;  // an integer
    double lowest;
    double highest;
    std::string_view meaning;
};

constexpr numeric_flag numeric_flags[] = {
    {"benchmark_repetitions", "BENCHMARK_REPETITIONS", true, 1, 1000,
     "a whole number of repetitions from 1 to 1000"},
    {"benchmark_min_time", "BENCHMARK_MIN_TIME", false, 0, 3600,
     "seconds from 0 to 3600 (plain seconds in Google Benchmark 1.7.1)"},
    {"benchmark_min_warmup_time", "BENCHMARK_MIN_WARMUP_TIME", false, 0, 3600,
     "seconds from 0 to 3600"},
};

std::optional<double> value_in_range(const numeric_flag& flag, std::string_view text) {
    double value = 0;
    if (flag.whole) {
        long long whole = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), whole);
        if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) {
            return std::nullopt;
        }
        value = static_cast<double>(whole);
    } else if (!is_number(text)) {
        return std::nullopt;
    } else {
        std::from_chars(text.data(), text.data() + text.size(), value);
    }
    // isfinite first: a NaN compares false with every bound.
    if (!std::isfinite(value) || value < flag.lowest || value > flag.highest) {
        return std::nullopt;
    }
    return value;
}

}  // namespace

bool check_google_flags(int argc, const char* const* argv, std::string& error) {
    const std::string min_time =
        flag_value(argc, argv, "benchmark_min_time", "BENCHMARK_MIN_TIME", "");
    const std::string_view number = std::string_view(min_time).substr(0, min_time.size() - 1);
    if (min_time.ends_with('s') && is_number(number)) {
        error = "--benchmark_min_time=" + sfb::printable(min_time, 64) +
                ": Google Benchmark 1.7.1 takes plain seconds; use --benchmark_min_time=" +
                std::string(number);
        return false;
    }
    if (min_time.ends_with('x') && is_number(number)) {
        error = "--benchmark_min_time=" + sfb::printable(min_time, 64) +
                ": an iteration count needs Google Benchmark 1.8; 1.7.1 takes plain seconds "
                "(e.g. --benchmark_min_time=0.3)";
        return false;
    }
    for (const numeric_flag& flag : numeric_flags) {
        const std::string value = flag_value(argc, argv, flag.name, flag.env, "");
        if (!value.empty() && !value_in_range(flag, value)) {
            error = "--" + std::string(flag.name) + "=" + sfb::printable(value, 64) +
                    ": expected " + std::string(flag.meaning);
            return false;
        }
    }
    const std::string unit =
        flag_value(argc, argv, "benchmark_time_unit", "BENCHMARK_TIME_UNIT", "");
    if (!unit.empty() && unit != "ns" && unit != "us" && unit != "ms" && unit != "s") {
        error = "--benchmark_time_unit=" + sfb::printable(unit, 64) + ": expected ns, us, ms or s";
        return false;
    }
    return true;
}

json_outputs find_json_outputs(int argc, const char* const* argv) {
    json_outputs outputs;
    const std::string display =
        flag_value(argc, argv, "benchmark_format", "BENCHMARK_FORMAT", "console");
    outputs.display = display == "json";
    outputs.console = display == "console";
    const std::string out = flag_value(argc, argv, "benchmark_out", "BENCHMARK_OUT", "");
    outputs.file = !out.empty() && flag_value(argc, argv, "benchmark_out_format",
                                              "BENCHMARK_OUT_FORMAT", "json") == "json";
    outputs.file_path = outputs.file ? out : std::string();
    return outputs;
}

std::string library_build_type() {
    // The library knows its build type only as the library_build_type line of its JSON
    // context; no function returns it. A JSONReporter writing into a buffer asks it.
    benchmark::JSONReporter probe;
    std::ostringstream out;
    probe.SetOutputStream(&out);
    probe.SetErrorStream(&out);
    probe.ReportContext(benchmark::BenchmarkReporter::Context());
    const std::string text = out.str();
    constexpr std::string_view key = "\"library_build_type\": \"";
    const auto at = text.find(key);
    if (at == std::string::npos) {
        return "unknown";
    }
    const auto start = at + key.size();
    return text.substr(start, text.find('"', start) - start);
}

std::string library_build_type_meaning(std::string_view build_type) {
    if (build_type == "debug") {
        return "debug: libbenchmark was compiled without NDEBUG (as Debian ships it), so its own "
               "internal checks run; the per-pass loop (KeepRunning) is inline code compiled "
               "with this program's flags";
    }
    return std::string(build_type) + ": libbenchmark was compiled with NDEBUG";
}

}  // namespace sfb::bench
