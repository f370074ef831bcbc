// What the harness takes from the result-format contract (format/contract.json, generated
// into sfb/format_contract.h): the names of fields, measures, counters and name segments, and
// which direction of each metric is better. Names the contract does not know (other programs'
// counters) fall back to Google Benchmark's conventions.
#pragma once

#include <sfb/format_contract.h>

#include <optional>
#include <string_view>

namespace sfb::harness::contract {

namespace names = sfb::format;

// Google Benchmark's bookkeeping fields of a benchmark entry (contract "benchmark_fields"),
// its measures real_time and cpu_time, and the complexity fields (rms, big_o) of its
// Big-O entries: numeric keys that are not counters.
constexpr bool is_bookkeeping_key(std::string_view key) {
    for (const auto& field : names::benchmark_fields) {
        if (field.name == key) {
            return true;
        }
    }
    return key == names::measure_name::real_time || key == names::measure_name::cpu_time ||
           key == "rms" || key == "big_o" || key == "label";
}

// The contract's "better" of a measure or counter: true for "higher", false for "lower" or
// "none"; nullopt when the contract does not know the metric.
constexpr std::optional<bool> contract_higher_is_better(std::string_view metric) {
    for (const auto* table : {names::measures.data(), names::counters.data()}) {
        const std::size_t size =
            table == names::measures.data() ? names::measures.size() : names::counters.size();
        for (std::size_t i = 0; i < size; ++i) {
            if (table[i].name == metric) {
                return table[i].better == "higher";
            }
        }
    }
    return std::nullopt;
}

// The prefix of a benchmark-name segment ("file:" for "file"), from the contract.
constexpr std::string_view segment_prefix(std::string_view segment) {
    for (const auto& spec : names::name_segments) {
        if (spec.name == segment) {
            return spec.prefix;
        }
    }
    return {};
}

}  // namespace sfb::harness::contract
