#include "benchmark_case.h"

namespace sfb::bench {

std::string_view cache_mode_name(cache_mode c) noexcept {
    return c == cache_mode::warm ? "warm" : "cold";
}

std::string benchmark_case::name() const {
    return std::string(path_name(path)) + "/" + std::string(transport_name(transport_kind)) + "/" +
           std::string(receive_mode_name(receiver)) + "/" + std::string(cache_mode_name(cache)) +
           "/file:" + std::to_string(file_size) + "/block:" + std::to_string(block) +
           "/conns:" + std::to_string(connections) +
           "/placement:" + std::string(placement_name(where));
}

}  // namespace sfb::bench
