// One benchmark of the suite: which path sends which file over which connection to which
// receiver. The plan (options.h) makes a list of them, the program registers one Google
// Benchmark per case, and each connection's send_session is built from one.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "loopback.h"
#include "placement.h"
#include "send_paths.h"

namespace sfb::bench {

enum class cache_mode { warm, cold };
std::string_view cache_mode_name(cache_mode c) noexcept;

struct benchmark_case {
    path_id path = path_id::sendfile;
    transport transport_kind = transport::tcp4;
    receive_mode receiver = receive_mode::discard;
    cache_mode cache = cache_mode::warm;
    std::uint64_t file_size = 0;
    std::uint64_t block = 64 * 1024;  // never 0 in a plan: a whole-file block is the file size
    int connections = 1;
    placement where = placement::free;
    // <path>/<transport>/<receiver>/<cache>/file:<bytes>/block:<bytes>/conns:<n>/placement:<p>
    std::string name() const;
};

}  // namespace sfb::bench
