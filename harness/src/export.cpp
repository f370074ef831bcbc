#include "export.h"

#include "accelerator.h"
#include "cli.h"
#include "confidence.h"
#include "contract.h"
#include "path_comparison.h"
#include "safe_text.h"
#include "stats.h"
#include "store.h"
#include "suite_name.h"

#include <fmt/format.h>
#include <sfb/benchmark_name.h>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <utility>

namespace sfb::harness {

namespace {

struct exported_metric {
    std::string_view metric;
    const char* measure;
    const char* label;
    const char* unit;
    double scale;  // from the value in the result to the exported unit
    bool bigger_is_better;
};

// What CI dashboards track: throughput, and the costs per pass.
constexpr exported_metric kExported[] = {
    {format::measure_name::bytes_per_second, "throughput-mb-s", "MB/s", "MB/s", 1e-6, true},
    {format::measure_name::real_time, "real-time-us", "real time per pass", "us", 1.0, false},
    {format::measure_name::cpu_time, "sender-cpu-us", "sender CPU per pass", "us", 1.0, false},
    {format::counter_name::service_demand_us_per_kib, "service-demand-us-per-kib", "service demand",
     "us/KiB", 1.0, false},
};

// The same under qemu's instruction clock (vm_clock instructions), where a guest's
// microsecond is 1000 guest instructions: the counts per pass and per KiB instead of real time
// and MB/s (which would be bytes per 10^9 instructions), and the CPU times as the instructions
// they are. Their own measures and labels, so that no dashboard draws them on a series of
// wall-clock times.
constexpr exported_metric kExportedInstructions[] = {
    {format::counter_name::guest_instructions_per_pass, "guest-instructions-per-pass",
     "guest instructions per pass", "instructions", 1.0, false},
    {format::counter_name::guest_instructions_per_kib, "guest-instructions-per-kib",
     "guest instructions per KiB", "instructions/KiB", 1.0, false},
    {format::measure_name::cpu_time, "sender-cpu-instructions",
     "sender CPU per pass, instruction clock", "instructions", 1000.0, false},
    {format::counter_name::service_demand_us_per_kib, "service-demand-instructions-per-kib",
     "service demand, instruction clock", "instructions/KiB", 1000.0, false},
};

// The clock of every file of `set`: "instructions" or "wall"; input_error when they differ,
// since instruction counts and wall-clock times are never pooled or exported side by side.
std::string one_clock(const result_set& set) {
    std::string clock;
    std::string first;
    for (const auto& file : set.files) {
        const std::string this_clock = vm_clock(file.context);
        if (clock.empty()) {
            clock = this_clock;
            first = file.path.string();
        } else if (this_clock != clock) {
            throw input_error(fmt::format(
                "{} ran under the {} clock and {} under the {} clock: times under qemu's "
                "instruction clock (sfb kernels --clock instructions) count guest "
                "instructions, not nanoseconds, so they are never exported together",
                first, clock, file.path.string(), this_clock));
        }
    }
    return clock.empty() ? "wall" : clock;
}

std::string spread_text(const export_entry& e) {
    return fmt::format("median of {} repetitions; interquartile range {:.6g} .. {:.6g} {}",
                       e.repetitions, e.q1, e.q3, e.unit);
}

std::string render_github(const std::vector<export_entry>& entries, bool bigger) {
    ordered_json out = ordered_json::array();
    for (const auto& e : entries) {
        if (e.bigger_is_better != bigger) {
            continue;
        }
        ordered_json j = ordered_json::object();
        j["name"] = fmt::format("{} ({})", e.benchmark, e.label);
        j["unit"] = e.unit;
        j["value"] = e.median;
        // The action prints `range` beside the value as it is; a symmetric "± half the IQR"
        // would read as an interval around the median that the data need not have.
        j["range"] = fmt::format("IQR {:.6g} .. {:.6g}", e.q1, e.q3);
        j["extra"] = spread_text(e);
        out.push_back(std::move(j));
    }
    return dump_json(out, true) + "\n";
}

std::string render_bencher(const std::vector<export_entry>& entries) {
    ordered_json out = ordered_json::object();
    for (const auto& e : entries) {
        ordered_json measure = ordered_json::object();
        measure["value"] = e.median;
        measure["lower_value"] = e.q1;
        measure["upper_value"] = e.q3;
        out[e.benchmark][e.measure] = std::move(measure);
    }
    return dump_json(out, true) + "\n";
}

namespace names = sfb::format;

// The tidy columns before and after the name segments.
constexpr std::string_view kTidyHead[] = {"source", "machine_fingerprint", "record", "benchmark"};
constexpr std::string_view kTidyTail[] = {"repetition", "metric",  "value", "unit",
                                          "ci_low",     "ci_high", "n",     "text"};

// The contract's unit of a measure or counter; null for a metric it does not know.
ordered_json contract_unit(std::string_view metric) {
    for (const auto& m : names::measures) {
        if (m.name == metric) {
            return std::string(m.unit);
        }
    }
    for (const auto& c : names::counters) {
        if (c.name == metric) {
            return std::string(c.unit);
        }
    }
    return nullptr;
}

// A tidy row's unit under qemu's instruction clock, and the factor to it from the value in the
// result: a time (us) is 1000 guest instructions per us, a time per KiB likewise; the guest's
// counts are instructions. A throughput (B/s) has no such unit: nullopt, the row is left out.
// Any other unit (bytes, counts, fractions) is the clock's as much as the wall's.
std::optional<std::pair<ordered_json, double>> instruction_clock_unit(std::string_view metric) {
    ordered_json unit = contract_unit(metric);
    if (metric == names::counter_name::guest_instructions_per_pass) {
        return std::pair{ordered_json("instructions"), 1.0};
    }
    if (metric == names::counter_name::guest_instructions_per_kib) {
        return std::pair{ordered_json("instructions/KiB"), 1.0};
    }
    if (unit == "us") {
        return std::pair{ordered_json("instructions"), 1000.0};
    }
    if (unit == "us/KiB") {
        return std::pair{ordered_json("instructions/KiB"), 1000.0};
    }
    if (unit == "B/s") {
        return std::nullopt;
    }
    return std::pair{std::move(unit), 1.0};
}

// Every metric of a series: the contract's measures and counters in contract order, then the
// others (another program's counters) alphabetically.
std::vector<std::string> metrics_of(const benchmark_series& series) {
    std::set<std::string> present;
    for (const auto& repetition : series.repetitions) {
        for (const auto& [metric, value] : repetition) {
            present.insert(metric);
        }
    }
    std::vector<std::string> out;
    auto take = [&](std::string_view name) {
        if (auto it = present.find(std::string(name)); it != present.end()) {
            out.push_back(*it);
            present.erase(it);
        }
    };
    for (const auto& m : names::measures) {
        take(m.name);
    }
    for (const auto& c : names::counters) {
        take(c.name);
    }
    out.insert(out.end(), present.begin(), present.end());
    return out;
}

// The name segment columns of `name`, by the contract's grammar; all null for a name that is
// not the suite's. Sizes and counts are integers without their prefix; a prefixed segment a
// name lacks (placement, in results from before it) is null.
ordered_json segment_cells(const std::string& name) {
    ordered_json cells = ordered_json::object();
    for (const auto& segment : names::name_segments) {
        cells[std::string(segment.name)] = nullptr;
    }
    if (!parse_suite_name(name)) {
        return cells;
    }
    const auto parsed = names::parse_benchmark_name(name, names::name_mode::lenient);
    if (!parsed) {
        return cells;
    }
    for (std::size_t i = 0; i < names::name_segments.size(); ++i) {
        if (!parsed.name->has(i)) {
            continue;  // only a prefixed segment can be missing (parse_suite_name checked)
        }
        const auto& segment = names::name_segments[i];
        ordered_json& cell = cells[std::string(segment.name)];
        if (segment.values == "bytes" || segment.values == "count") {
            cell = parsed.name->numbers[i];
        } else {
            cell = std::string(parsed.name->values[i]);
        }
    }
    return cells;
}

ordered_json tidy_row(const std::string& source, const std::string& fingerprint,
                      std::string_view record, const ordered_json& benchmark,
                      const ordered_json& segments) {
    ordered_json row = ordered_json::object();
    row["source"] = source;
    row["machine_fingerprint"] = fingerprint;
    row["record"] = record;
    row["benchmark"] = benchmark;
    for (const auto& [key, value] : segments.items()) {
        row[key] = value;
    }
    for (std::string_view column : kTidyTail) {
        row[std::string(column)] = nullptr;
    }
    return row;
}

// A CSV cell: numbers as the shortest text that reads back the same, text quoted when it
// holds a comma, a quote, a line break or leading/trailing space (RFC 4180, quotes doubled).
// Text from the results is made safe for a terminal first (safe_text: control characters and
// invalid UTF-8 escaped; line breaks and tabs kept).
std::string csv_cell(const ordered_json& value) {
    if (value.is_null()) {
        return "";
    }
    if (value.is_number_unsigned()) {
        return fmt::format("{}", value.get<std::uint64_t>());
    }
    if (value.is_number_integer()) {
        return fmt::format("{}", value.get<std::int64_t>());
    }
    if (value.is_number()) {
        return fmt::format("{}", value.get<double>());
    }
    const std::string text =
        safe_text(value.is_string() ? value.get<std::string>() : value.dump(), SIZE_MAX, SIZE_MAX);
    if (text.find_first_of(",\"\r\n") == std::string::npos &&
        (text.empty() || (text.front() != ' ' && text.back() != ' '))) {
        return text;
    }
    std::string out = "\"";
    for (char c : text) {
        out += c;
        if (c == '"') {
            out += '"';
        }
    }
    return out + "\"";
}

// The `ratio` rows: every path against read_send of its configuration, compare_paths()'s
// ratios (the Hodges-Lehmann ratio over rounds with its 95% interval), the numbers of the
// table `sfb run` and bench_sendfile end with; in that table's order. The benchmarks that
// reported an error are left out, as there.
void add_ratio_rows(std::vector<ordered_json>& rows, const result_set& set, const std::string& file,
                    const std::string& fingerprint) {
    std::vector<benchmark_rounds> measured;
    // compare_paths() names a benchmark by its parsed name: path and configuration (and what
    // follows) back to the name in the file, and read_send's by configuration, the first
    // one kept as compare_paths() does.
    std::map<std::string, std::string> by_parsed_name;
    std::map<std::string, std::string> baselines;
    for (const auto& series : set.benchmarks) {
        const bool failed = !series.errors.empty();
        measured.push_back({series.name, series.repetitions, failed});
        const auto name = parse_suite_name(series.name);
        if (!name || failed) {
            continue;
        }
        by_parsed_name.emplace(name->path + '/' + name->configuration() + '/' + name->suffix,
                               series.name);
        if (name->path == names::path_name::read_send) {
            baselines.emplace(name->configuration(), series.name);
        }
    }
    for (const auto& ratio : compare_paths(measured)) {
        const auto benchmark = by_parsed_name.find(
            ratio.name.path + '/' + ratio.name.configuration() + '/' + ratio.name.suffix);
        const auto baseline = baselines.find(ratio.name.configuration());
        if (benchmark == by_parsed_name.end() || baseline == baselines.end()) {
            continue;  // not reached: compare_paths() compares only these
        }
        const ordered_json segments = segment_cells(benchmark->second);
        const std::pair<std::string_view, const std::optional<ratio_estimate>*> metrics[] = {
            {names::measure_name::bytes_per_second, &ratio.mb_per_s},
            {names::measure_name::cpu_time, &ratio.cpu_per_pass},
        };
        for (const auto& [metric, estimate] : metrics) {
            if (!*estimate || !std::isfinite((*estimate)->estimate)) {
                continue;
            }
            ordered_json row = tidy_row(file, fingerprint, "ratio", benchmark->second, segments);
            row["metric"] = metric;
            row["value"] = (*estimate)->estimate;
            row["unit"] = "ratio";
            if (const auto& ci = (*estimate)->interval) {
                row["ci_low"] = ci->low;
                row["ci_high"] = ci->high;
            }
            row["n"] = ratio.rounds;
            row["text"] = baseline->second;
            rows.push_back(std::move(row));
        }
    }
}

}  // namespace

std::vector<std::string> tidy_columns() {
    std::vector<std::string> columns(std::begin(kTidyHead), std::end(kTidyHead));
    for (const auto& segment : names::name_segments) {
        columns.emplace_back(segment.name);
    }
    columns.insert(columns.end(), std::begin(kTidyTail), std::end(kTidyTail));
    return columns;
}

std::vector<ordered_json> tidy_rows(const result_set& set, const std::filesystem::path& source) {
    const std::string file = source.string();
    const ordered_json context =
        set.files.empty() ? ordered_json::object() : set.files.front().context;
    const std::string fingerprint = machine_fingerprint(context);
    const ordered_json no_segments = segment_cells("");
    std::vector<ordered_json> rows;
    for (const auto& [key, value] : context.items()) {
        ordered_json row = tidy_row(file, fingerprint, "context", nullptr, no_segments);
        row["metric"] = key;
        if (value.is_number() && std::isfinite(value.get<double>())) {
            row["value"] = value;
        }
        row["text"] = value.is_string() ? value.get<std::string>() : value.dump();
        rows.push_back(std::move(row));
    }
    const bool instructions = vm_clock(context) == "instructions";
    // Each metric's unit and the factor to it: the contract's, or under the instruction clock
    // instruction_clock_unit()'s (nullopt: left out).
    auto unit_of =
        [&](const std::string& metric) -> std::optional<std::pair<ordered_json, double>> {
        if (instructions) {
            return instruction_clock_unit(metric);
        }
        return std::pair{contract_unit(metric), 1.0};
    };
    for (const auto& series : set.benchmarks) {
        const ordered_json segments = segment_cells(series.name);
        std::vector<std::pair<std::string, std::pair<ordered_json, double>>> metrics;
        for (const auto& metric : metrics_of(series)) {
            if (auto unit = unit_of(metric)) {
                metrics.emplace_back(metric, std::move(*unit));
            }
        }
        for (std::size_t r = 0; r < series.repetitions.size(); ++r) {
            for (const auto& [metric, unit] : metrics) {
                const auto it = series.repetitions[r].find(metric);
                if (it == series.repetitions[r].end()) {
                    continue;
                }
                ordered_json row = tidy_row(file, fingerprint, "repetition", series.name, segments);
                row["repetition"] = r;
                row["metric"] = metric;
                row["value"] = it->second * unit.second;
                row["unit"] = unit.first;
                rows.push_back(std::move(row));
            }
        }
        for (const auto& [metric, unit] : metrics) {
            std::vector<double> values = series.values(metric);
            for (double& v : values) {
                v *= unit.second;
            }
            ordered_json row = tidy_row(file, fingerprint, "median", series.name, segments);
            row["metric"] = metric;
            row["value"] = median(values);
            row["unit"] = unit.first;
            if (const auto ci = median_interval(values)) {
                row["ci_low"] = ci->low;
                row["ci_high"] = ci->high;
            }
            row["n"] = values.size();
            rows.push_back(std::move(row));
        }
        if (!series.errors.empty()) {
            std::string text;
            for (const auto& message : series.errors) {
                if (text.find(message) == std::string::npos) {
                    text += (text.empty() ? "" : "; ") + message;
                }
            }
            ordered_json row = tidy_row(file, fingerprint, "error", series.name, segments);
            row["text"] = text.empty() ? "error" : text;
            rows.push_back(std::move(row));
        }
    }
    add_ratio_rows(rows, set, file, fingerprint);
    return rows;
}

std::string render_tidy(const std::vector<ordered_json>& rows, export_format format, bool header) {
    std::string out;
    if (format == export_format::tidy_jsonl) {
        for (const auto& row : rows) {
            out += row.dump(-1, ' ', true, ordered_json::error_handler_t::replace) + "\n";
        }
        return out;
    }
    if (header) {
        const auto columns = tidy_columns();
        for (std::size_t i = 0; i < columns.size(); ++i) {
            out += (i ? "," : "") + columns[i];
        }
        out += "\n";
    }
    for (const auto& row : rows) {
        bool first = true;
        for (const auto& [key, value] : row.items()) {
            out += (first ? "" : ",") + csv_cell(value);
            first = false;
        }
        out += "\n";
    }
    return out;
}

export_format parse_export_format(std::string_view text) {
    if (text == "github-action-benchmark-bigger") {
        return export_format::github_bigger;
    }
    if (text == "github-action-benchmark-smaller") {
        return export_format::github_smaller;
    }
    if (text == "bencher") {
        return export_format::bencher;
    }
    if (text == "tidy-csv") {
        return export_format::tidy_csv;
    }
    if (text == "tidy-jsonl") {
        return export_format::tidy_jsonl;
    }
    throw usage_error(
        fmt::format("--format: \"{}\" is not github-action-benchmark-bigger, "
                    "github-action-benchmark-smaller, bencher, tidy-csv or tidy-jsonl",
                    text));
}

std::vector<export_entry> export_entries(const result_set& set) {
    std::vector<export_entry> entries;
    const bool instructions = one_clock(set) == "instructions";
    const auto& table = instructions ? std::span<const exported_metric>(kExportedInstructions)
                                     : std::span<const exported_metric>(kExported);
    for (const auto& series : set.benchmarks) {
        for (const auto& exported : table) {
            std::vector<double> values = series.values(std::string(exported.metric));
            if (values.empty()) {
                continue;
            }
            for (double& v : values) {
                v *= exported.scale;
            }
            export_entry e;
            e.benchmark = series.name;
            e.metric = exported.metric;
            e.measure = exported.measure;
            e.label = exported.label;
            e.unit = exported.unit;
            e.bigger_is_better = exported.bigger_is_better;
            e.median = median(values);
            e.q1 = quantile(values, 0.25);
            e.q3 = quantile(values, 0.75);
            e.repetitions = values.size();
            if (std::isfinite(e.median) && std::isfinite(e.q1) && std::isfinite(e.q3)) {
                entries.push_back(std::move(e));
            }
        }
    }
    return entries;
}

std::string render_export(const std::vector<export_entry>& entries, export_format format) {
    switch (format) {
        case export_format::github_bigger:
            return render_github(entries, true);
        case export_format::github_smaller:
            return render_github(entries, false);
        case export_format::bencher:
        case export_format::tidy_csv:
        case export_format::tidy_jsonl:
            break;
    }
    return render_bencher(entries);
}

}  // namespace sfb::harness
