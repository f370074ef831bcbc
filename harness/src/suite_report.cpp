#include "suite_report.h"

#include "accelerator.h"
#include "cli.h"
#include "confidence.h"
#include "contract.h"
#include "path_comparison.h"
#include "run_quality.h"
#include "stats.h"
#include "store.h"
#include "table.h"

#include <fmt/format.h>
#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <tuple>

namespace sfb::harness {

namespace {

constexpr std::string_view kBaselinePath = sfb::format::path_name::read_send;

std::vector<double> mb_per_second(const benchmark_series& series) {
    std::vector<double> v = series.values("bytes_per_second");
    for (double& x : v) {
        x /= 1e6;
    }
    return v;
}

// "8123 [8010, 8302]": the median and its 95% interval ("[n<6]" with too few values).
std::string median_with_ci(const std::vector<double>& values) {
    if (values.empty()) {
        return "-";
    }
    return with_interval(median(values), median_interval(values),
                         [](double v) { return format_number(v); });
}

std::string ratio_text(const confidence_interval& ratio) {
    return fmt::format("{:.2f}x [{:.2f}, {:.2f}]", ratio.estimate, ratio.low, ratio.high);
}

ordered_json interval_json(const std::optional<confidence_interval>& ci) {
    if (!ci) {
        return nullptr;
    }
    return ordered_json::array({ci->low, ci->high});
}

std::string context_string(const ordered_json& context, const char* key) {
    if (context.contains(key) && context[key].is_string()) {
        return context[key].get<std::string>();
    }
    return "";
}

ordered_json spread_json(const std::vector<double>& values) {
    if (values.empty()) {
        return nullptr;
    }
    ordered_json j = ordered_json::object();
    j["median"] = median(values);
    j["q1"] = quantile(values, 0.25);
    j["q3"] = quantile(values, 0.75);
    j["min"] = *std::min_element(values.begin(), values.end());
    j["max"] = *std::max_element(values.begin(), values.end());
    j["n"] = values.size();
    return j;
}

std::string render_table(const text_table& table, output_format format, bool colour) {
    return format == output_format::markdown ? table.markdown() : table.text(colour);
}

}  // namespace

namespace {

// One benchmark of a run summary: what its table row and its JSON row both show.
struct summary_line {
    const benchmark_series* series = nullptr;
    std::string config;
    std::string path;
    std::string failed;  // " (failed: ...)" or empty
    std::vector<double> mbps;
    std::vector<double> cpu;
    std::vector<double> demand;
    std::optional<confidence_interval> speedup;  // as a ratio (change + 1)
    benchmark_quality quality;
};

// read_send's MB/s per configuration, the baselines of the speed-ups.
std::map<std::string, std::vector<double>> baseline_mb_per_s(const result_set& set) {
    std::map<std::string, std::vector<double>> baseline;
    for (const auto& series : set.benchmarks) {
        auto name = parse_suite_name(series.name);
        auto mbps = mb_per_second(series);
        if (name && name->path == kBaselinePath && !mbps.empty()) {
            baseline[name->configuration()] = mbps;
        }
    }
    return baseline;
}

// The benchmarks of `set`, ordered by configuration (the order they ran in otherwise).
std::vector<const benchmark_series*> by_configuration(const result_set& set) {
    std::vector<const benchmark_series*> ordered;
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
    return ordered;
}

summary_line summarize(const benchmark_series& series,
                       const std::map<std::string, std::vector<double>>& baseline) {
    summary_line line;
    line.series = &series;
    const auto name = parse_suite_name(series.name);
    line.mbps = mb_per_second(series);
    line.cpu = series.values("cpu_time");
    line.demand = series.values(std::string(sfb::format::counter_name::service_demand_us_per_kib));
    std::vector<double> base_mbps;
    if (name) {
        if (auto it = baseline.find(name->configuration()); it != baseline.end()) {
            base_mbps = it->second;
        }
    }
    line.speedup = ratio_interval(base_mbps, line.mbps);
    if (line.speedup) {
        const confidence_interval change = *line.speedup;
        line.speedup = {1 + change.estimate, 1 + change.low, 1 + change.high, change.coverage};
    }
    line.quality = assess(series);
    line.config = name ? name->configuration() : "";
    line.path = name ? name->path : series.name;
    if (!series.errors.empty()) {
        line.failed = " (failed: " + series.errors.front() + ")";
    }
    return line;
}

ordered_json summary_json(const summary_line& line) {
    const auto optional_median = [](const std::vector<double>& values) {
        return values.empty() ? ordered_json(nullptr) : ordered_json(median(values));
    };
    const benchmark_quality& quality = line.quality;
    ordered_json row = ordered_json::object();
    row["name"] = line.series->name;
    row["configuration"] = line.config;
    row["path"] = line.path;
    row["mb_per_s"] = optional_median(line.mbps);
    row["mb_per_s_ci"] = interval_json(median_interval(line.mbps));
    row["cpu_us_per_pass"] = optional_median(line.cpu);
    row["cpu_us_per_pass_ci"] = interval_json(median_interval(line.cpu));
    row[std::string(sfb::format::counter_name::service_demand_us_per_kib)] =
        optional_median(line.demand);
    row["speedup_vs_read_send"] =
        line.speedup ? ordered_json(line.speedup->estimate) : ordered_json(nullptr);
    row["speedup_vs_read_send_ci"] = interval_json(line.speedup);
    row["other_cpu_share"] =
        quality.other_cpu_share ? ordered_json(*quality.other_cpu_share) : ordered_json(nullptr);
    row["steal_share"] =
        quality.steal_share ? ordered_json(*quality.steal_share) : ordered_json(nullptr);
    row["bimodal_rounds"] = quality.bimodal_rounds;
    row["rounds_disagree"] =
        quality.rounds_disagree ? ordered_json(*quality.rounds_disagree) : ordered_json(nullptr);
    row["flags"] = describe_flags(quality);
    row["repetitions"] = line.series->repetitions.size();
    row["errors"] = line.series->errors;
    return row;
}

}  // namespace

std::string render_run_summary(const result_set& set, output_format format, bool colour) {
    const auto baseline = baseline_mb_per_s(set);
    text_table table({{"Configuration"},
                      {"Path"},
                      {"MB/s [95% CI]", alignment::right},
                      {"CPU us/pass [95% CI]", alignment::right},
                      {"Service demand us/KiB", alignment::right},
                      {"n", alignment::right},
                      {"Flags"}});
    ordered_json rows = ordered_json::array();
    for (const auto* series : by_configuration(set)) {
        const summary_line line = summarize(*series, baseline);
        table.add_row({line.config,
                       table_cell(line.path + line.failed,
                                  line.failed.empty() ? cell_style::plain : cell_style::bad),
                       median_with_ci(line.mbps), median_with_ci(line.cpu),
                       line.demand.empty() ? "-" : format_number(median(line.demand)),
                       std::to_string(series->repetitions.size()),
                       table_cell(describe_flags(line.quality), cell_style::bad)});
        rows.push_back(summary_json(line));
    }
    if (format == output_format::json) {
        return dump_json(rows, true) + "\n";
    }
    // The paths against read_send: the same renderer as bench_sendfile's console output.
    std::vector<benchmark_rounds> measured;
    for (const auto& series : set.benchmarks) {
        measured.push_back({series.name, series.repetitions, !series.errors.empty()});
    }
    const std::string comparison = render_path_comparison(
        measured, format == output_format::markdown ? table_style::markdown : table_style::text,
        colour);
    return render_table(table, format, colour) +
           "(medians over repetitions with distribution-free 95% intervals;\n CPU = the sending "
           "thread's CPU time per pass)\n" +
           (comparison.empty() ? "" : "\n" + comparison);
}

namespace {

bool contains(const auto& list, const auto& value) {
    return std::find(list.begin(), list.end(), value) != list.end();
}

// Whether a benchmark passes the filters; read_send always does (the speed-ups need it) when
// its sizes match.
bool selected(const report_filters& filters, const std::optional<suite_name>& name,
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

struct sample_pool {
    std::vector<double> mbps;
    std::vector<double> cpu;
    std::set<std::string> files;
};
// (configuration, path, machine) -> samples; opaque names use an empty configuration.
using pool_key = std::tuple<std::string, std::string, std::string>;

void pool_file(const std::filesystem::path& file, const report_filters& filters,
               std::map<pool_key, sample_pool>& pools,
               std::map<std::string, report_machine>& machines) {
    result_set one;
    add_benchmark_document(one, read_json_file(file), file);
    const ordered_json& context = one.files.front().context;
    std::string machine = context.contains("machine_fingerprint")
                              ? machine_fingerprint(context)
                              : slugify(context_string(context, "host_name"));
    // A guest under the instruction clock counts instructions, not time: never pooled with
    // the same guest's wall-clock runs, which share its fingerprint.
    if (vm_clock(context) == "instructions") {
        machine += " (instruction clock)";
    }
    machines[machine] = {context_string(context, "os"), context_string(context, "kernel_release"),
                         vm_accelerator(context)};
    for (const auto& series : one.benchmarks) {
        const auto name = parse_suite_name(series.name);
        const std::string path = name ? name->path : series.name;
        if (!selected(filters, name, path)) {
            continue;
        }
        sample_pool& pool = pools[{name ? name->configuration() : "", path, machine}];
        auto mbps = mb_per_second(series);
        auto cpu = series.values("cpu_time");
        pool.mbps.insert(pool.mbps.end(), mbps.begin(), mbps.end());
        pool.cpu.insert(pool.cpu.end(), cpu.begin(), cpu.end());
        pool.files.insert(file.string());
    }
}

// Every ratio of one repetition of the path to one of read_send (same machine and
// configuration).
std::vector<double> speedup_ratios(const std::map<pool_key, sample_pool>& pools,
                                   const pool_key& key, const sample_pool& pool) {
    std::vector<double> ratios;
    const auto& [config, path, machine] = key;
    if (config.empty()) {
        return ratios;
    }
    auto base = pools.find({config, std::string(kBaselinePath), machine});
    if (base == pools.end()) {
        return ratios;
    }
    // Thinned like every pairwise statistic (confidence.h), so the ratios stay below a million.
    const std::vector<double> paths = thinned(pool.mbps);
    for (double y : thinned(base->second.mbps)) {
        if (y > 0) {
            for (double x : paths) {
                ratios.push_back(x / y);
            }
        }
    }
    return ratios;
}

std::string render_report_text(const report_model& model, output_format format, bool colour) {
    text_table table({{"Configuration"},
                      {"Path"},
                      {"Machine"},
                      {"MB/s median [95% CI]", alignment::right},
                      {"CPU us/pass median [95% CI]", alignment::right},
                      {"Speed-up vs read_send [95% CI]", alignment::right},
                      {"n", alignment::right},
                      {"runs", alignment::right}});
    for (const auto& row : model.rows) {
        const auto speedup = pairwise_ratio_interval(row.speedups, row.speedup_candidates);
        table.add_row({row.configuration, row.path, row.machine, median_with_ci(row.mbps),
                       median_with_ci(row.cpu_us),
                       speedup                ? ratio_text(*speedup)
                       : row.speedups.empty() ? std::string("-")
                                              : fmt::format("{:.2f}x", median(row.speedups)),
                       std::to_string(std::max(row.mbps.size(), row.cpu_us.size())),
                       std::to_string(row.runs)});
    }
    std::string out = render_table(table, format, colour);
    out +=
        "(medians with distribution-free 95% intervals over all repetitions of all runs per "
        "machine;\n speed-up: the median of every ratio to read_send, interval of the "
        "Mann-Whitney test)\n";
    for (const auto& [machine, info] : model.machines) {
        if (!info.os.empty() || !info.kernel_release.empty()) {
            out += fmt::format("{}: {} {}{}\n", machine, info.os, info.kernel_release,
                               accelerator_label(info.vm_accel));
        }
    }
    return out;
}

std::string render_report_json(const report_model& model) {
    ordered_json rows = ordered_json::array();
    for (const auto& row : model.rows) {
        const report_machine& info = model.machines.at(row.machine);
        ordered_json j = ordered_json::object();
        j["configuration"] = row.configuration;
        j["path"] = row.path;
        j["machine"] = row.machine;
        j["os"] = info.os;
        j["kernel_release"] = info.kernel_release;
        j["vm_accel"] = info.vm_accel;
        j["mb_per_s"] = spread_json(row.mbps);
        j["cpu_us_per_pass"] = spread_json(row.cpu_us);
        j["speedup_vs_read_send"] = spread_json(row.speedups);
        j["mb_per_s_ci"] = interval_json(median_interval(row.mbps));
        j["cpu_us_per_pass_ci"] = interval_json(median_interval(row.cpu_us));
        j["speedup_vs_read_send_ci"] =
            interval_json(pairwise_ratio_interval(row.speedups, row.speedup_candidates));
        j["runs"] = row.runs;
        rows.push_back(std::move(j));
    }
    return dump_json(rows, true) + "\n";
}

}  // namespace

report_model build_report(std::span<const std::filesystem::path> inputs,
                          const report_filters& filters) {
    std::map<pool_key, sample_pool> pools;
    report_model model;
    for (const auto& file : expand_inputs(inputs)) {
        pool_file(file, filters, pools, model.machines);
    }
    for (const auto& [key, pool] : pools) {
        const auto& [config, path, machine] = key;
        if (!filters.paths.empty() && !contains(filters.paths, path)) {
            continue;  // read_send pooled only for the speed-ups
        }
        model.rows.push_back({config, path, machine, pool.mbps, pool.cpu,
                              speedup_ratios(pools, key, pool), pool.files.size(),
                              std::min(pool.mbps.size(), kMaxPairedSample)});
    }
    if (model.rows.empty()) {
        throw input_error("no benchmark matches the filters");
    }
    return model;
}

std::string render_report(std::span<const std::filesystem::path> inputs,
                          const report_filters& filters, output_format format, bool colour) {
    const report_model model = build_report(inputs, filters);
    return format == output_format::json ? render_report_json(model)
                                         : render_report_text(model, format, colour);
}

}  // namespace sfb::harness
