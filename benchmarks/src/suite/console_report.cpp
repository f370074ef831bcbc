#include "console_report.h"

#include <fmt/format.h>
#include <sfb/format_contract.h>
#include <sfb/printable.h>

#include <algorithm>

#include "benchmark_quality.h"
#include "suite_name.h"
#include "table.h"

namespace sfb::bench {

namespace {

namespace counter_name = sfb::format::counter_name;
using sfb::harness::kConsoleWidth;
using sfb::harness::round_values;

// The numbers after the name: "  MB/s  CPU us/pass  recv CPU us/pass  us/KiB".
constexpr std::size_t kMbWidth = 9;
constexpr std::size_t kCpuWidth = 11;
constexpr std::size_t kReceiverWidth = 16;
constexpr std::size_t kDemandWidth = 8;
constexpr std::size_t kNumbersWidth =
    2 + kMbWidth + 2 + kCpuWidth + 2 + kReceiverWidth + 2 + kDemandWidth;
// What the name column leaves at least for the flags.
constexpr std::size_t kFlagsWidth = 28;

std::string value_text(const round_values& values, const std::string& key, double scale = 1) {
    const auto it = values.find(key);
    return it == values.end() ? std::string("-") : sfb::harness::format_number(it->second * scale);
}

std::string pad_right(std::string_view text, std::size_t width) {
    std::string out(text);
    if (out.size() < width) {
        out.append(width - out.size(), ' ');
    }
    return out;
}

// `name` broken after its '/'s into lines of at most `width` characters (a segment longer than
// that is cut).
std::vector<std::string> name_lines(std::string_view name, std::size_t width) {
    std::vector<std::string> lines;
    std::string line;
    std::size_t start = 0;
    while (start < name.size()) {
        std::size_t end = name.find('/', start);
        end = end == std::string_view::npos ? name.size() : end + 1;
        std::string_view part = name.substr(start, end - start);
        if (!line.empty() && line.size() + part.size() > width) {
            lines.push_back(line);
            line.clear();
        }
        while (part.size() > width) {
            lines.emplace_back(part.substr(0, width));
            part.remove_prefix(width);
        }
        line += part;
        start = end;
    }
    if (!line.empty()) {
        lines.push_back(line);
    }
    return lines;
}

// The name column: the name (and its note) padded to `width`, or, when wider, its own lines
// followed by an empty column for the numbers.
std::string name_column(std::string_view name, std::string_view note, std::size_t width) {
    const std::string full = note.empty() ? std::string(name) : fmt::format("{} ({})", name, note);
    if (full.size() <= width) {
        return pad_right(full, width);
    }
    std::string out;
    for (const auto& line : name_lines(full, kConsoleWidth)) {
        out += line + "\n";
    }
    return out + std::string(width, ' ');
}

}  // namespace

round_values run_values(const benchmark::BenchmarkReporter::Run& run) {
    round_values values;
    // Google's adjusted times are in the run's time unit; the multiplier is units per second.
    const double to_us = 1e6 / benchmark::GetTimeUnitMultiplier(run.time_unit);
    values["real_time"] = run.GetAdjustedRealTime() * to_us;
    values["cpu_time"] = run.GetAdjustedCPUTime() * to_us;
    for (const auto& [name, counter] : run.counters) {
        values[name] = counter.value;
    }
    return values;
}

std::string row_name(std::string_view run_name) {
    constexpr std::string_view suffix = "/real_time";
    if (run_name.ends_with(suffix)) {
        run_name.remove_suffix(suffix.size());
    }
    return std::string(run_name);
}

std::size_t name_column_width(std::size_t longest) {
    return std::max<std::size_t>(
        std::string_view("Benchmark").size(),
        std::min(longest, kConsoleWidth - kNumbersWidth - 2 - kFlagsWidth));
}

std::string console_header(std::size_t name_width) {
    const std::string line =
        fmt::format("{}  {:>{}}  {:>{}}  {:>{}}  {:>{}}  {}", pad_right("Benchmark", name_width),
                    "MB/s", kMbWidth, "CPU us/pass", kCpuWidth, "recv CPU us/pass", kReceiverWidth,
                    "us/KiB", kDemandWidth, "flags");
    return line + "\n" + std::string(std::min(line.size(), kConsoleWidth), '-') + "\n";
}

std::string console_row(std::string_view name, std::string_view note, const round_values& values,
                        std::span<const round_values> rounds, std::size_t name_width) {
    const std::string numbers = fmt::format(
        "  {:>{}}  {:>{}}  {:>{}}  {:>{}}", value_text(values, "bytes_per_second", 1e-6), kMbWidth,
        value_text(values, "cpu_time"), kCpuWidth,
        value_text(values, std::string(counter_name::receiver_cpu_us)), kReceiverWidth,
        value_text(values, std::string(counter_name::service_demand_us_per_kib)), kDemandWidth);
    // The flags sfb would raise on these rounds (benchmark_quality.h), and for the free
    // placement where the scheduler put the threads.
    const auto quality = sfb::harness::assess_rounds(std::string(name), rounds);
    std::string flags = quality.flagged() ? "* " + sfb::harness::brief_flags(quality) : "";
    const auto parsed = sfb::harness::parse_suite_name(name);
    if (const auto share = values.find(std::string(counter_name::same_cpu_share));
        parsed && parsed->placement == "free" && share != values.end()) {
        flags += fmt::format("{}one CPU {:.0f}%", flags.empty() ? "" : ", ", share->second * 100);
    }
    const std::size_t room = kConsoleWidth - std::min(kConsoleWidth, name_width + numbers.size());
    if (!flags.empty() && room > 2) {
        flags = "  " + flags.substr(0, room - 2);
    } else {
        flags.clear();
    }
    return name_column(name, note, name_width) + numbers + flags + "\n";
}

std::string console_failure(std::string_view name, std::string_view message,
                            std::size_t name_width) {
    const std::string column = name_column(name, "", name_width);
    const std::size_t used = column.size() - std::min(column.size(), column.rfind('\n') + 1);
    const std::size_t room = kConsoleWidth - std::min(kConsoleWidth, used + 2);
    std::string text = "failed: " + sfb::printable(message, 1024);
    if (text.size() > room) {
        text = text.substr(0, room > 3 ? room - 3 : 0) + "...";
    }
    return column + "  " + text + "\n";
}

bool console_reporter::ReportContext(const Context& context) {
    // The machine's description and Google's warnings go to stderr, as Google's console
    // reporter writes them.
    PrintBasicContext(&GetErrorStream(), context);
    name_width_ = name_column_width(context.name_field_width);
    GetOutputStream() << console_header(name_width_) << std::flush;
    return true;
}

sfb::harness::benchmark_rounds& console_reporter::benchmark_named(const std::string& name) {
    const auto [it, added] = index_.emplace(name, benchmarks_.size());
    if (added) {
        benchmarks_.push_back({name, {}, false});
    }
    return benchmarks_[it->second];
}

void console_reporter::ReportRuns(const std::vector<Run>& runs) {
    std::ostream& out = GetOutputStream();
    for (const Run& run : runs) {
        const std::string name = row_name(run.run_name.str());
        auto& benchmark = benchmark_named(name);
        if (run.error_occurred) {
            if (!benchmark.failed) {
                out << console_failure(name, run.error_message, name_width_);
            }
            benchmark.failed = true;
            continue;
        }
        if (run.run_type == Run::RT_Iteration) {
            benchmark.rounds.push_back(run_values(run));
            if (run.repetitions <= 1) {
                out << console_row(name, "", benchmark.rounds.back(),
                                   std::span(&benchmark.rounds.back(), 1), name_width_);
            }
        } else if (run.aggregate_name == "median" && !benchmark.failed) {
            // With repetitions, one row per benchmark: the medians, flagged by every round.
            const round_values median = run_values(run);
            medians_[name] = median;
            out << console_row(name, fmt::format("median of {}", run.repetitions), median,
                               benchmark.rounds.empty()
                                   ? std::span(&median, 1)
                                   : std::span<const round_values>(benchmark.rounds),
                               name_width_);
        }
    }
    out << std::flush;
}

void console_reporter::Finalize() {
    // Aggregates only (--benchmark_report_aggregates_only): the median stands in for the rounds.
    for (auto& benchmark : benchmarks_) {
        if (const auto median = medians_.find(benchmark.name);
            benchmark.rounds.empty() && median != medians_.end()) {
            benchmark.rounds.push_back(median->second);
        }
    }
    const std::string comparison =
        sfb::harness::render_path_comparison(benchmarks_, sfb::harness::table_style::text, false);
    if (!comparison.empty()) {
        GetOutputStream() << "\n" << comparison << std::flush;
    }
}

}  // namespace sfb::bench
