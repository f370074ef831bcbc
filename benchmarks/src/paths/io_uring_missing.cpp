// Built instead of io_uring_paths.cpp when CMake finds no liburing: the io_uring paths are
// reported as skipped, with the reason, rather than left out silently.
#include "send_paths.h"

namespace sfb::bench {

path_availability probe_io_uring_path(path_id, transport) {
    return {false, "built without liburing (install liburing-dev and reconfigure)"};
}

std::unique_ptr<send_path> make_io_uring_path(path_id, int, const bench_file&, std::uint64_t,
                                              std::string& error) {
    error = "built without liburing";
    return nullptr;
}

}  // namespace sfb::bench
