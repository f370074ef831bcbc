// Counts the system calls the calling thread makes on the send side of a pass.
//
// The build links every program that contains the send paths with `ld --wrap=<call>` for
// read, write, pread64, send, sendmsg, recvmsg, sendfile64, splice, poll, lseek64,
// setsockopt, getsockopt, fstat64, pthread_sigmask, sigpending and sigtimedwait
// (benchmarks/CMakeLists.txt), so the calls sfb_core makes around sendfile(2) itself (its
// checks and its SIGPIPE guard) are counted as well as the suite's own. liburing enters the kernel
// through its own inline system calls, which no wrapper sees; the io_uring paths call
// count_syscall() for each io_uring_enter instead.
#pragma once

#include <cstdint>

namespace sfb::bench {

// The number of counted calls this thread has made so far.
std::uint64_t thread_syscalls() noexcept;

// Counts one system call that does not go through a wrapped libc function.
void count_syscall() noexcept;

}  // namespace sfb::bench
