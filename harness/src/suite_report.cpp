#include "suite_report.hpp"

#include "contract.hpp"
#include "kernels.h"
#include "stats.hpp"
#include "store.hpp"
#include "table.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

namespace sfb::harness {

namespace {

constexpr std::string_view kBaselinePath = sfb::format::path_name::read_send;

bool parse_number(std::string_view text, std::uint64_t& value) {
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    return ec == std::errc() && ptr == end && !text.empty();
}

bool take_keyed(std::string_view part, std::string_view key, std::uint64_t& value) {
    if (part.substr(0, key.size()) != key) {
        return false;
    }
    return parse_number(part.substr(key.size()), value);
}

std::vector<double> mb_per_second(const BenchmarkSeries& series) {
    std::vector<double> v = series.values("bytes_per_second");
    for (double& x : v) {
        x /= 1e6;
    }
    return v;
}

std::string median_with_iqr(const std::vector<double>& values) {
    if (values.empty()) {
        return "-";
    }
    if (values.size() == 1) {
        return format_number(values.front());
    }
    return fmt::format("{} [{}..{}]", format_number(median(values)),
                       format_number(quantile(values, 0.25)),
                       format_number(quantile(values, 0.75)));
}

std::string context_string(const Json& context, const char* key) {
    if (context.contains(key) && context[key].is_string()) {
        return context[key].get<std::string>();
    }
    return "";
}

Json spread_json(const std::vector<double>& values) {
    if (values.empty()) {
        return nullptr;
    }
    Json j = Json::object();
    j["median"] = median(values);
    j["q1"] = quantile(values, 0.25);
    j["q3"] = quantile(values, 0.75);
    j["min"] = *std::min_element(values.begin(), values.end());
    j["max"] = *std::max_element(values.begin(), values.end());
    j["n"] = values.size();
    return j;
}

std::string render_table(const Table& table, OutputFormat format, bool colour) {
    return format == OutputFormat::markdown ? table.markdown() : table.text(colour);
}

}  // namespace

std::string SuiteName::configuration() const {
    return fmt::format("{}/{}/{}/file:{}/block:{}/conns:{}", transport, receiver, cache, file_bytes,
                       block_bytes, connections);
}

std::optional<SuiteName> parse_suite_name(std::string_view name) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (start <= name.size()) {
        std::size_t slash = name.find('/', start);
        if (slash == std::string_view::npos) {
            slash = name.size();
        }
        parts.push_back(name.substr(start, slash - start));
        start = slash + 1;
    }
    if (parts.size() < 7) {
        return std::nullopt;
    }
    SuiteName s;
    s.path = parts[0];
    s.transport = parts[1];
    s.receiver = parts[2];
    s.cache = parts[3];
    std::uint64_t connections = 0;
    if (s.path.empty() || s.transport.empty() || s.receiver.empty() || s.cache.empty() ||
        !take_keyed(parts[4], contract::segment_prefix(sfb::format::segment_name::file),
                    s.file_bytes) ||
        !take_keyed(parts[5], contract::segment_prefix(sfb::format::segment_name::block),
                    s.block_bytes) ||
        !take_keyed(parts[6], contract::segment_prefix(sfb::format::segment_name::conns),
                    connections)) {
        return std::nullopt;
    }
    s.connections = static_cast<unsigned>(connections);
    for (std::size_t i = 7; i < parts.size(); ++i) {
        s.suffix += (s.suffix.empty() ? "" : "/") + std::string(parts[i]);
    }
    return s;
}

std::string format_bytes(std::uint64_t bytes) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    std::size_t unit = 0;
    std::uint64_t value = bytes;
    while (unit + 1 < std::size(units) && value >= 1024 && value % 1024 == 0) {
        value /= 1024;
        ++unit;
    }
    return fmt::format("{} {}", value, units[unit]);
}

std::string render_run_summary(const ResultSet& set, OutputFormat format, bool colour) {
    // Baselines: read_send's median MB/s per configuration.
    std::map<std::string, double> baseline;
    for (const auto& series : set.benchmarks) {
        auto name = parse_suite_name(series.name);
        auto mbps = mb_per_second(series);
        if (name && name->path == kBaselinePath && !mbps.empty()) {
            baseline[name->configuration()] = median(mbps);
        }
    }
    Table table({{"Configuration"},
                 {"Path"},
                 {"MB/s", Align::right},
                 {"CPU us/pass", Align::right},
                 {"Service demand us/KiB", Align::right},
                 {"Speed-up vs read_send", Align::right},
                 {"n", Align::right}});
    Json rows = Json::array();
    std::vector<const BenchmarkSeries*> ordered;
    for (const auto& series : set.benchmarks) {
        ordered.push_back(&series);
    }
    std::stable_sort(ordered.begin(), ordered.end(), [](const auto* a, const auto* b) {
        auto na = parse_suite_name(a->name);
        auto nb = parse_suite_name(b->name);
        const std::string ka = na ? na->configuration() : a->name;
        const std::string kb = nb ? nb->configuration() : b->name;
        return ka < kb;
    });
    for (const auto* series : ordered) {
        const auto name = parse_suite_name(series->name);
        const auto mbps = mb_per_second(*series);
        const auto cpu = series->values("cpu_time");
        const auto demand = series->values("service_demand_us_per_kib");
        double speedup = std::nan("");
        if (name && !mbps.empty()) {
            if (auto it = baseline.find(name->configuration());
                it != baseline.end() && it->second > 0) {
                speedup = median(mbps) / it->second;
            }
        }
        const std::string config = name ? name->configuration() : "";
        const std::string path = name ? name->path : series->name;
        std::string failed;
        if (!series->errors.empty()) {
            failed = " (failed: " + series->errors.front() + ")";
        }
        table.add_row({config, Cell(path + failed, failed.empty() ? Style::plain : Style::bad),
                       mbps.empty() ? "-" : format_number(median(mbps)),
                       cpu.empty() ? "-" : format_number(median(cpu)),
                       demand.empty() ? "-" : format_number(median(demand)),
                       std::isfinite(speedup) ? fmt::format("{:.2f}x", speedup) : "-",
                       std::to_string(series->repetitions.size())});
        Json row = Json::object();
        row["name"] = series->name;
        row["configuration"] = config;
        row["path"] = path;
        row["mb_per_s"] = mbps.empty() ? Json(nullptr) : Json(median(mbps));
        row["cpu_us_per_pass"] = cpu.empty() ? Json(nullptr) : Json(median(cpu));
        row["service_demand_us_per_kib"] = demand.empty() ? Json(nullptr) : Json(median(demand));
        row["speedup_vs_read_send"] = std::isfinite(speedup) ? Json(speedup) : Json(nullptr);
        row["repetitions"] = series->repetitions.size();
        row["errors"] = series->errors;
        rows.push_back(std::move(row));
    }
    if (format == OutputFormat::json) {
        return rows.dump(2) + "\n";
    }
    return render_table(table, format, colour) +
           "(medians over repetitions; CPU = the sending thread's CPU time per pass)\n";
}

namespace {

bool contains(const auto& list, const auto& value) {
    return std::find(list.begin(), list.end(), value) != list.end();
}

// Whether a benchmark passes the filters; read_send always does (the speed-ups need it) when
// its sizes match.
bool selected(const ReportFilters& filters, const std::optional<SuiteName>& name,
              const std::string& path) {
    if (!filters.paths.empty() && !contains(filters.paths, path) &&
        !(name && name->path == kBaselinePath)) {
        return false;
    }
    if (!filters.file_sizes.empty() && (!name || !contains(filters.file_sizes, name->file_bytes))) {
        return false;
    }
    return filters.block_sizes.empty() ||
           (name && contains(filters.block_sizes, name->block_bytes));
}

struct Pool {
    std::vector<double> mbps;
    std::vector<double> cpu;
    std::set<std::string> files;
};
// (configuration, path, machine) -> samples; opaque names use an empty configuration.
using PoolKey = std::tuple<std::string, std::string, std::string>;

void pool_file(const std::filesystem::path& file, const ReportFilters& filters,
               std::map<PoolKey, Pool>& pools, std::map<std::string, ReportMachine>& machines) {
    ResultSet one;
    add_benchmark_document(one, read_json_file(file), file);
    const Json& context = one.files.front().context;
    const std::string machine = context.contains("machine_fingerprint")
                                    ? machine_fingerprint(context)
                                    : slugify(context_string(context, "host_name"));
    machines[machine] = {context_string(context, "os"), context_string(context, "kernel_release"),
                         vm_accelerator(context)};
    for (const auto& series : one.benchmarks) {
        const auto name = parse_suite_name(series.name);
        const std::string path = name ? name->path : series.name;
        if (!selected(filters, name, path)) {
            continue;
        }
        Pool& pool = pools[{name ? name->configuration() : "", path, machine}];
        auto mbps = mb_per_second(series);
        auto cpu = series.values("cpu_time");
        pool.mbps.insert(pool.mbps.end(), mbps.begin(), mbps.end());
        pool.cpu.insert(pool.cpu.end(), cpu.begin(), cpu.end());
        pool.files.insert(file.string());
    }
}

// Every ratio of one repetition of the path to one of read_send (same machine and
// configuration).
std::vector<double> speedup_ratios(const std::map<PoolKey, Pool>& pools, const PoolKey& key,
                                   const Pool& pool) {
    std::vector<double> ratios;
    const auto& [config, path, machine] = key;
    if (config.empty()) {
        return ratios;
    }
    auto base = pools.find({config, std::string(kBaselinePath), machine});
    if (base == pools.end()) {
        return ratios;
    }
    for (double x : pool.mbps) {
        for (double y : base->second.mbps) {
            if (y > 0) {
                ratios.push_back(x / y);
            }
        }
    }
    return ratios;
}

std::string render_report_text(const ReportModel& model, OutputFormat format, bool colour) {
    Table table({{"Configuration"},
                 {"Path"},
                 {"Machine"},
                 {"MB/s median [IQR]", Align::right},
                 {"CPU us/pass median [IQR]", Align::right},
                 {"Speed-up vs read_send [IQR]", Align::right},
                 {"n", Align::right},
                 {"runs", Align::right}});
    for (const auto& row : model.rows) {
        table.add_row({row.configuration, row.path, row.machine, median_with_iqr(row.mbps),
                       median_with_iqr(row.cpu_us), median_with_iqr(row.speedups),
                       std::to_string(std::max(row.mbps.size(), row.cpu_us.size())),
                       std::to_string(row.runs)});
    }
    std::string out = render_table(table, format, colour);
    out += "(medians with interquartile ranges over all repetitions of all runs per machine)\n";
    for (const auto& [machine, info] : model.machines) {
        if (!info.os.empty() || !info.kernel_release.empty()) {
            out += fmt::format("{}: {} {}{}\n", machine, info.os, info.kernel_release,
                               accelerator_label(info.vm_accel));
        }
    }
    return out;
}

std::string render_report_json(const ReportModel& model) {
    Json rows = Json::array();
    for (const auto& row : model.rows) {
        const ReportMachine& info = model.machines.at(row.machine);
        Json j = Json::object();
        j["configuration"] = row.configuration;
        j["path"] = row.path;
        j["machine"] = row.machine;
        j["os"] = info.os;
        j["kernel_release"] = info.kernel_release;
        j["vm_accel"] = info.vm_accel;
        j["mb_per_s"] = spread_json(row.mbps);
        j["cpu_us_per_pass"] = spread_json(row.cpu_us);
        j["speedup_vs_read_send"] = spread_json(row.speedups);
        j["runs"] = row.runs;
        rows.push_back(std::move(j));
    }
    return rows.dump(2) + "\n";
}

}  // namespace

ReportModel build_report(std::span<const std::filesystem::path> inputs,
                         const ReportFilters& filters) {
    std::map<PoolKey, Pool> pools;
    ReportModel model;
    for (const auto& file : expand_inputs(inputs)) {
        pool_file(file, filters, pools, model.machines);
    }
    for (const auto& [key, pool] : pools) {
        const auto& [config, path, machine] = key;
        if (!filters.paths.empty() && !contains(filters.paths, path)) {
            continue;  // read_send pooled only for the speed-ups
        }
        model.rows.push_back({config, path, machine, pool.mbps, pool.cpu,
                              speedup_ratios(pools, key, pool), pool.files.size()});
    }
    if (model.rows.empty()) {
        throw InputError("no benchmark matches the filters");
    }
    return model;
}

std::string render_report(std::span<const std::filesystem::path> inputs,
                          const ReportFilters& filters, OutputFormat format, bool colour) {
    const ReportModel model = build_report(inputs, filters);
    return format == OutputFormat::json ? render_report_json(model)
                                        : render_report_text(model, format, colour);
}

}  // namespace sfb::harness
