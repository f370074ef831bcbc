#include "export.h"

#include "cli.h"
#include "contract.h"
#include "stats.h"

#include <fmt/format.h>
#include <cmath>

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

}  // namespace

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
    throw usage_error(
        fmt::format("--format: \"{}\" is not github-action-benchmark-bigger, "
                    "github-action-benchmark-smaller or bencher",
                    text));
}

std::vector<export_entry> export_entries(const result_set& set) {
    std::vector<export_entry> entries;
    for (const auto& series : set.benchmarks) {
        for (const auto& exported : kExported) {
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
            break;
    }
    return render_bencher(entries);
}

}  // namespace sfb::harness
