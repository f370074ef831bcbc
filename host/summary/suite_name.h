// bench_sendfile's benchmark names, taken apart (format/contract.json, "name"):
// <path>/<transport>/<receiver>/<cache>/file:<bytes>/block:<bytes>/conns:<n>
// [/placement:<p>][/...]. Names that do not follow the pattern are other programs' and stay
// opaque (nullopt).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sfb::harness {

struct suite_name {
    std::string path;
    std::string transport;
    std::string receiver;
    std::string cache;
    std::uint64_t file_bytes = 0;
    std::uint64_t block_bytes = 0;
    unsigned connections = 0;
    std::string placement;  // same, split, free; empty in results from before placements
    std::string suffix;     // what follows, e.g. "real_time"

    // Everything but the path: the benchmarks of one configuration that paths are compared in.
    std::string configuration() const;
    // The configuration without the placement: the benchmarks whose ratios show whether the
    // answer depends on where the threads ran.
    std::string setting() const;
};

std::optional<suite_name> parse_suite_name(std::string_view name);

// "64 MiB", "64 KiB", "1000 B".
std::string format_bytes(std::uint64_t bytes);

}  // namespace sfb::harness
