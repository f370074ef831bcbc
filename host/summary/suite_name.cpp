#include "suite_name.h"

#include <fmt/format.h>
#include <sfb/format_contract.h>

#include <charconv>
#include <iterator>
#include <limits>
#include <vector>

namespace sfb::harness {

namespace {

namespace names = sfb::format;

// The prefix of a name segment ("file:" for "file"), from the contract.
constexpr std::string_view segment_prefix(std::string_view segment) {
    for (const auto& spec : names::name_segments) {
        if (spec.name == segment) {
            return spec.prefix;
        }
    }
    return {};
}

std::vector<std::string_view> split_at(std::string_view text, char separator) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (true) {
        const std::size_t at = text.find(separator, start);
        if (at == std::string_view::npos) {
            parts.push_back(text.substr(start));
            return parts;
        }
        parts.push_back(text.substr(start, at - start));
        start = at + 1;
    }
}

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
    const std::vector<std::string_view> parts = split_at(name, '/');
    if (parts.size() < 7) {
        return std::nullopt;
    }
    suite_name s;
    s.path = parts[0];
    s.transport = parts[1];
    s.receiver = parts[2];
    s.cache = parts[3];
    std::uint64_t connections = 0;
    if (s.path.empty() || s.transport.empty() || s.receiver.empty() || s.cache.empty() ||
        !take_keyed(parts[4], segment_prefix(names::segment_name::file), s.file_bytes) ||
        !take_keyed(parts[5], segment_prefix(names::segment_name::block), s.block_bytes) ||
        !take_keyed(parts[6], segment_prefix(names::segment_name::conns), connections) ||
        connections > std::numeric_limits<unsigned>::max()) {
        // A count beyond unsigned is not bench_sendfile's: the name stays opaque rather than
        // its count being cut to 32 bits.
        return std::nullopt;
    }
    s.connections = static_cast<unsigned>(connections);
    std::size_t rest = 7;
    const std::string_view placement_prefix = segment_prefix(names::segment_name::placement);
    if (rest < parts.size() && parts[rest].starts_with(placement_prefix)) {
        s.placement = std::string(parts[rest].substr(placement_prefix.size()));
        ++rest;
    }
    for (std::size_t i = rest; i < parts.size(); ++i) {
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

}  // namespace sfb::harness
