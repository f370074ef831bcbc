// The system calls the sending thread makes. sendfile_loop_bench is linked with `ld --wrap` for
// every call the library or the bare loop can make while sending (CMakeLists.txt): the wrappers
// in loop_syscalls.cpp count each call on the calling thread, then make it. The library is
// linked statically, so its calls go through the same wrappers as the bare loop's.
#pragma once

#include <cstdint>

namespace sfb::loop_bench {

// The calls this thread made since it last set this to 0.
extern thread_local std::uint64_t syscalls;

}  // namespace sfb::loop_bench
