#include "benchmark_case.h"

#include <sfb/format_contract.h>

#include <array>

namespace sfb::bench {

std::string_view cache_mode_name(cache_mode c) noexcept {
    return c == cache_mode::warm ? sfb::format::cache_name::warm : sfb::format::cache_name::cold;
}

// The segments in the contract's order, each with its prefix (format/contract.json).
std::string benchmark_case::name() const {
    namespace format = sfb::format;
    const std::array<std::string, format::name_segments.size()> values{
        std::string(path_name(path)),
        std::string(transport_name(transport_kind)),
        std::string(receive_mode_name(receiver)),
        std::string(cache_mode_name(cache)),
        std::to_string(file_size),
        std::to_string(block),
        std::to_string(connections),
        std::string(placement_name(where))};
    std::string name;
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i > 0) {
            name += format::name_separator;
        }
        name += format::name_segments[i].prefix;
        name += values[i];
    }
    return name;
}

}  // namespace sfb::bench
