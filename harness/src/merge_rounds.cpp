#include "merge_rounds.h"

#include "contract.h"
#include "stats.h"

#include <sfb/format_contract.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>

namespace sfb::harness {

namespace {

enum class aggregate_kind { mean, median, stddev, cv };

NLOHMANN_JSON_SERIALIZE_ENUM(aggregate_kind, {{aggregate_kind::mean, "mean"},
                                              {aggregate_kind::median, "median"},
                                              {aggregate_kind::stddev, "stddev"},
                                              {aggregate_kind::cv, "cv"}})

double aggregate_of(aggregate_kind aggregate, const std::vector<double>& values) {
    switch (aggregate) {
        case aggregate_kind::mean:
            return mean(values);
        case aggregate_kind::median:
            return median(values);
        case aggregate_kind::stddev:
            return sample_stddev(values);
        case aggregate_kind::cv:
            break;
    }
    const double m = mean(values);
    return m == 0 ? 0 : sample_stddev(values) / m;
}

// The per-repetition entries of every round, grouped by run name, in the order the
// benchmarks were registered (family_index, per_family_instance_index) when the program wrote
// those keys, else in order of appearance.
struct grouped_entries {
    std::map<std::string, std::vector<ordered_json>> entries;
    std::vector<std::string> order;
};

grouped_entries group_by_run_name(const std::vector<ordered_json>& rounds) {
    grouped_entries grouped;
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
ordered_json aggregate_entry(const std::string& run_name, aggregate_kind aggregate,
                             const std::vector<const ordered_json*>& measured,
                             long long repetitions) {
    const ordered_json& first = *measured.front();
    std::vector<std::string> fields = {"real_time", "cpu_time"};
    for (const auto& [field, value] : first.items()) {
        if (value.is_number() && !contract::is_bookkeeping_key(field)) {
            fields.push_back(field);
        }
    }
    const std::string aggregate_name = ordered_json(aggregate).get<std::string>();
    ordered_json a = ordered_json::object();
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
    a["aggregate_unit"] = aggregate == aggregate_kind::cv ? "percentage" : "time";
    a["iterations"] = measured.size();
    for (const auto& field : fields) {
        std::vector<double> values;
        for (const ordered_json* run : measured) {
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

ordered_json merge_rounds(const std::vector<ordered_json>& rounds) {
    ordered_json merged = ordered_json::object();
    ordered_json context = rounds.empty() ? ordered_json::object()
                                          : rounds.front().value("context", ordered_json::object());
    context["sfb_harness_rounds"] = std::to_string(rounds.size());
    // Inside a guest of `sfb kernels --clock instructions` or `sfb ab --kernel --clock
    // instructions`, the guest's init says so (vm/guest_init.sh): the rounds' times count
    // instructions, and every comparison of them must say so too.
    if (const char* clock = std::getenv("SFB_VM_CLOCK");
        clock != nullptr && std::string_view(clock) == "instructions") {
        context[std::string(format::context_key_name::vm_clock)] = "instructions";
    }
    // The merged document is this sfb's own output, in the contract's format.
    stamp_format_version(context);
    merged["context"] = std::move(context);

    grouped_entries grouped = group_by_run_name(rounds);
    ordered_json benchmarks = ordered_json::array();
    for (const auto& run_name : grouped.order) {
        auto& runs = grouped.entries[run_name];
        const auto count = static_cast<long long>(runs.size());
        std::vector<const ordered_json*> measured;
        for (long long i = 0; i < count; ++i) {
            ordered_json& entry = runs[static_cast<std::size_t>(i)];
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
        for (const aggregate_kind aggregate : {aggregate_kind::mean, aggregate_kind::median,
                                               aggregate_kind::stddev, aggregate_kind::cv}) {
            benchmarks.push_back(aggregate_entry(run_name, aggregate, measured, count));
        }
    }
    merged["benchmarks"] = std::move(benchmarks);
    return merged;
}

}  // namespace sfb::harness
