#include "merge_rounds.hpp"

#include "contract.hpp"
#include "stats.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>

namespace sfb::harness {

namespace {

enum class Aggregate { mean, median, stddev, cv };

NLOHMANN_JSON_SERIALIZE_ENUM(Aggregate, {{Aggregate::mean, "mean"},
                                         {Aggregate::median, "median"},
                                         {Aggregate::stddev, "stddev"},
                                         {Aggregate::cv, "cv"}})

double aggregate_of(Aggregate aggregate, const std::vector<double>& values) {
    switch (aggregate) {
        case Aggregate::mean:
            return mean(values);
        case Aggregate::median:
            return median(values);
        case Aggregate::stddev:
            return sample_stddev(values);
        case Aggregate::cv:
            break;
    }
    const double m = mean(values);
    return m == 0 ? 0 : sample_stddev(values) / m;
}

// The per-repetition entries of every round, grouped by run name, in the order the
// benchmarks were registered (family_index, per_family_instance_index) when the program wrote
// those keys, else in order of appearance.
struct Grouped {
    std::map<std::string, std::vector<Json>> entries;
    std::vector<std::string> order;
};

Grouped group_by_run_name(const std::vector<Json>& rounds) {
    Grouped grouped;
    std::vector<std::pair<std::pair<double, double>, std::string>> order;
    for (const auto& round : rounds) {
        for (const auto& entry : round["benchmarks"]) {
            if (entry.value("run_type", "iteration") == "aggregate") {
                continue;
            }
            const std::string run_name = entry.value("run_name", entry.value("name", ""));
            auto [it, inserted] = grouped.entries.try_emplace(run_name);
            if (inserted) {
                const auto position = static_cast<double>(order.size());
                order.push_back({{entry.value("family_index", position),
                                  entry.value("per_family_instance_index", 0.0)},
                                 run_name});
            }
            it->second.push_back(entry);
        }
    }
    std::stable_sort(order.begin(), order.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [key, name] : order) {
        grouped.order.push_back(std::move(name));
    }
    return grouped;
}

// The aggregate entry Google Benchmark would write over these measured repetitions.
Json aggregate_entry(const std::string& run_name, Aggregate aggregate,
                     const std::vector<const Json*>& measured, long long repetitions) {
    const Json& first = *measured.front();
    std::vector<std::string> fields = {"real_time", "cpu_time"};
    for (const auto& [field, value] : first.items()) {
        if (value.is_number() && !contract::is_bookkeeping_key(field)) {
            fields.push_back(field);
        }
    }
    const std::string aggregate_name = Json(aggregate).get<std::string>();
    Json a = Json::object();
    a["name"] = run_name + "_" + aggregate_name;
    for (const char* copied : {"family_index", "per_family_instance_index"}) {
        if (first.contains(copied)) {
            a[copied] = first[copied];
        }
    }
    a["run_name"] = run_name;
    a["run_type"] = "aggregate";
    a["repetitions"] = repetitions;
    a["threads"] = first.value("threads", 1);
    a["aggregate_name"] = aggregate_name;
    a["aggregate_unit"] = aggregate == Aggregate::cv ? "percentage" : "time";
    a["iterations"] = measured.size();
    for (const auto& field : fields) {
        std::vector<double> values;
        for (const Json* run : measured) {
            if (run->contains(field) && (*run)[field].is_number()) {
                values.push_back((*run)[field].get<double>());
            }
        }
        if (values.empty()) {
            continue;
        }
        a[field] = aggregate_of(aggregate, values);
        if (field == "cpu_time") {
            a["time_unit"] = first.value("time_unit", "ns");
        }
    }
    return a;
}

}  // namespace

Json merge_rounds(const std::vector<Json>& rounds) {
    Json merged = Json::object();
    Json context =
        rounds.empty() ? Json::object() : rounds.front().value("context", Json::object());
    context["sfb_harness_rounds"] = std::to_string(rounds.size());
    merged["context"] = std::move(context);

    Grouped grouped = group_by_run_name(rounds);
    Json benchmarks = Json::array();
    for (const auto& run_name : grouped.order) {
        auto& runs = grouped.entries[run_name];
        const auto count = static_cast<long long>(runs.size());
        std::vector<const Json*> measured;
        for (long long i = 0; i < count; ++i) {
            Json& entry = runs[static_cast<std::size_t>(i)];
            entry["repetitions"] = count;
            entry["repetition_index"] = i;
            benchmarks.push_back(entry);
            if (!entry.value("error_occurred", false)) {
                measured.push_back(&entry);
            }
        }
        if (measured.size() < 2) {
            continue;
        }
        for (const Aggregate aggregate :
             {Aggregate::mean, Aggregate::median, Aggregate::stddev, Aggregate::cv}) {
            benchmarks.push_back(aggregate_entry(run_name, aggregate, measured, count));
        }
    }
    merged["benchmarks"] = std::move(benchmarks);
    return merged;
}

}  // namespace sfb::harness
