#include "suite_name.h"

#include <fmt/format.h>
#include <sfb/benchmark_name.h>
#include <sfb/format_contract.h>

#include <iterator>
#include <limits>

namespace sfb::harness {

namespace {

namespace names = sfb::format;

// The prefix of a name segment ("file:" for "file"), from the contract.
constexpr std::string_view segment_prefix(std::string_view segment) {
    return names::name_segments[names::segment_index(segment)].prefix;
}

}  // namespace

std::string suite_name::configuration() const {
    return setting() +
           (placement.empty()
                ? ""
                : "/" + std::string(segment_prefix(names::segment_name::placement)) + placement);
}

std::string suite_name::setting() const {
    return fmt::format("{}/{}/{}/{}{}/{}{}/{}{}", transport, receiver, cache,
                       segment_prefix(names::segment_name::file), file_bytes,
                       segment_prefix(names::segment_name::block), block_bytes,
                       segment_prefix(names::segment_name::conns), connections);
}

std::optional<suite_name> parse_suite_name(std::string_view name) {
    const auto parsed = names::parse_benchmark_name(name, names::name_mode::lenient);
    if (!parsed) {
        return std::nullopt;
    }
    const auto& values = parsed.name->values;
    const auto& numbers = parsed.name->numbers;
    constexpr auto at = names::segment_index;
    const std::uint64_t connections = numbers[at(names::segment_name::conns)];
    if (connections > std::numeric_limits<unsigned>::max()) {
        // A count beyond unsigned is not bench_sendfile's: the name stays opaque rather than
        // its count being cut to 32 bits.
        return std::nullopt;
    }
    suite_name s;
    s.path = values[at(names::segment_name::path)];
    s.transport = values[at(names::segment_name::transport)];
    s.receiver = values[at(names::segment_name::receiver)];
    s.cache = values[at(names::segment_name::cache)];
    s.file_bytes = numbers[at(names::segment_name::file)];
    s.block_bytes = numbers[at(names::segment_name::block)];
    s.connections = static_cast<unsigned>(connections);
    s.placement = values[at(names::segment_name::placement)];
    s.suffix = parsed.name->suffix;
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

}  // namespace sfb::harness
