#include "suite_report.hpp"

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

constexpr std::string_view kBaselinePath = "read_send";

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
        !take_keyed(parts[4], "file:", s.file_bytes) ||
        !take_keyed(parts[5], "block:", s.block_bytes) ||
        !take_keyed(parts[6], "conns:", connections)) {
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

std::string render_report(std::span<const std::filesystem::path> inputs,
                          const ReportFilters& filters, OutputFormat format, bool colour) {
    struct Pool {
        std::vector<double> mbps;
        std::vector<double> cpu;
        std::set<std::string> files;
    };
    struct MachineInfo {
        std::string os;
        std::string kernel;
    };
    // (configuration, path, machine) -> samples; opaque names use an empty configuration.
    std::map<std::tuple<std::string, std::string, std::string>, Pool> pools;
    std::map<std::string, MachineInfo> machines;

    for (const auto& file : expand_inputs(inputs)) {
        ResultSet one;
        add_benchmark_document(one, read_json_file(file), file);
        const Json& context = one.files.front().context;
        std::string machine = context.contains("machine_fingerprint")
                                  ? machine_fingerprint(context)
                                  : slugify(context_string(context, "host_name"));
        machines[machine] = {context_string(context, "os"),
                             context_string(context, "kernel_release")};
        for (const auto& series : one.benchmarks) {
            const auto name = parse_suite_name(series.name);
            const std::string path = name ? name->path : series.name;
            if (!filters.paths.empty() &&
                std::find(filters.paths.begin(), filters.paths.end(), path) ==
                    filters.paths.end() &&
                !(name && name->path == kBaselinePath)) {
                continue;  // read_send stays: the speed-ups need it
            }
            if (!filters.file_sizes.empty() &&
                (!name || std::find(filters.file_sizes.begin(), filters.file_sizes.end(),
                                    name->file_bytes) == filters.file_sizes.end())) {
                continue;
            }
            if (!filters.block_sizes.empty() &&
                (!name || std::find(filters.block_sizes.begin(), filters.block_sizes.end(),
                                    name->block_bytes) == filters.block_sizes.end())) {
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

    Table table({{"Configuration"},
                 {"Path"},
                 {"Machine"},
                 {"MB/s median [IQR]", Align::right},
                 {"CPU us/pass median [IQR]", Align::right},
                 {"Speed-up vs read_send [IQR]", Align::right},
                 {"n", Align::right},
                 {"runs", Align::right}});
    Json rows = Json::array();
    for (const auto& [key, pool] : pools) {
        const auto& [config, path, machine] = key;
        const bool requested_path =
            filters.paths.empty() ||
            std::find(filters.paths.begin(), filters.paths.end(), path) != filters.paths.end();
        if (!requested_path) {
            continue;
        }
        std::vector<double> ratios;
        if (!config.empty()) {
            auto base = pools.find({config, std::string(kBaselinePath), machine});
            if (base != pools.end()) {
                for (double x : pool.mbps) {
                    for (double y : base->second.mbps) {
                        if (y > 0) {
                            ratios.push_back(x / y);
                        }
                    }
                }
            }
        }
        table.add_row({config, path, machine, median_with_iqr(pool.mbps), median_with_iqr(pool.cpu),
                       median_with_iqr(ratios),
                       std::to_string(std::max(pool.mbps.size(), pool.cpu.size())),
                       std::to_string(pool.files.size())});
        Json row = Json::object();
        row["configuration"] = config;
        row["path"] = path;
        row["machine"] = machine;
        row["os"] = machines[machine].os;
        row["kernel_release"] = machines[machine].kernel;
        row["mb_per_s"] = spread_json(pool.mbps);
        row["cpu_us_per_pass"] = spread_json(pool.cpu);
        row["speedup_vs_read_send"] = spread_json(ratios);
        row["runs"] = pool.files.size();
        rows.push_back(std::move(row));
    }
    if (rows.empty()) {
        throw InputError("no benchmark matches the filters");
    }
    if (format == OutputFormat::json) {
        return rows.dump(2) + "\n";
    }
    std::string out = render_table(table, format, colour);
    out += "(medians with interquartile ranges over all repetitions of all runs per machine)\n";
    for (const auto& [machine, info] : machines) {
        if (!info.os.empty() || !info.kernel.empty()) {
            out += fmt::format("{}: {} {}\n", machine, info.os, info.kernel);
        }
    }
    return out;
}

}  // namespace sfb::harness
