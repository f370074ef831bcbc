#include "loop_syscalls.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstdarg>

namespace sfb::loop_bench {

thread_local std::uint64_t syscalls = 0;

}  // namespace sfb::loop_bench

// The wrapped calls: every system call the library or the bare loop can make while sending.
extern "C" {
ssize_t __real_sendfile64(int, int, off_t*, size_t);
ssize_t __wrap_sendfile64(int out, int in, off_t* offset, size_t count) {
    ++sfb::loop_bench::syscalls;
    return __real_sendfile64(out, in, offset, count);
}
int __real_fstat64(int, struct stat*);
int __wrap_fstat64(int fd, struct stat* st) {
    ++sfb::loop_bench::syscalls;
    return __real_fstat64(fd, st);
}
int __real_fcntl64(int, int, ...);
int __wrap_fcntl64(int fd, int cmd, ...) {
    ++sfb::loop_bench::syscalls;
    va_list args;
    va_start(args, cmd);
    void* arg = va_arg(args, void*);
    va_end(args);
    return __real_fcntl64(fd, cmd, arg);
}
int __real_getsockopt(int, int, int, void*, socklen_t*);
int __wrap_getsockopt(int fd, int level, int name, void* value, socklen_t* len) {
    ++sfb::loop_bench::syscalls;
    return __real_getsockopt(fd, level, name, value, len);
}
int __real_setsockopt(int, int, int, const void*, socklen_t);
int __wrap_setsockopt(int fd, int level, int name, const void* value, socklen_t len) {
    ++sfb::loop_bench::syscalls;
    return __real_setsockopt(fd, level, name, value, len);
}
off_t __real_lseek64(int, off_t, int);
off_t __wrap_lseek64(int fd, off_t offset, int whence) {
    ++sfb::loop_bench::syscalls;
    return __real_lseek64(fd, offset, whence);
}
ssize_t __real_pread64(int, void*, size_t, off_t);
ssize_t __wrap_pread64(int fd, void* buf, size_t count, off_t offset) {
    ++sfb::loop_bench::syscalls;
    return __real_pread64(fd, buf, count, offset);
}
ssize_t __real_send(int, const void*, size_t, int);
ssize_t __wrap_send(int fd, const void* buf, size_t len, int flags) {
    ++sfb::loop_bench::syscalls;
    return __real_send(fd, buf, len, flags);
}
ssize_t __real_sendmsg(int, const struct msghdr*, int);
ssize_t __wrap_sendmsg(int fd, const struct msghdr* msg, int flags) {
    ++sfb::loop_bench::syscalls;
    return __real_sendmsg(fd, msg, flags);
}
int __real_pthread_sigmask(int, const sigset_t*, sigset_t*);
int __wrap_pthread_sigmask(int how, const sigset_t* set, sigset_t* old) {
    ++sfb::loop_bench::syscalls;
    return __real_pthread_sigmask(how, set, old);
}
int __real_sigpending(sigset_t*);
int __wrap_sigpending(sigset_t* set) {
    ++sfb::loop_bench::syscalls;
    return __real_sigpending(set);
}
int __real_sigtimedwait(const sigset_t*, siginfo_t*, const struct timespec*);
int __wrap_sigtimedwait(const sigset_t* set, siginfo_t* info, const struct timespec* timeout) {
    ++sfb::loop_bench::syscalls;
    return __real_sigtimedwait(set, info, timeout);
}
}
