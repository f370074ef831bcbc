// The counting side of `ld --wrap`: each __wrap_X counts one call on this thread and calls the
// real X (__real_X). The counter is thread-local, so the receiver threads never disturb the
// sender's count and reading it needs no synchronisation.
#include "syscall_count.h"

#include <poll.h>
#include <signal.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <cstddef>

namespace sfb::bench {
namespace {
thread_local std::uint64_t calls_on_this_thread = 0;
}  // namespace

std::uint64_t thread_syscalls() noexcept {
    return calls_on_this_thread;
}

void count_syscall() noexcept {
    ++calls_on_this_thread;
}

}  // namespace sfb::bench

using sfb::bench::count_syscall;

extern "C" {
ssize_t __real_read(int fd, void* buf, size_t count);
ssize_t __real_write(int fd, const void* buf, size_t count);
ssize_t __real_pread64(int fd, void* buf, size_t count, off64_t offset);
ssize_t __real_send(int fd, const void* buf, size_t count, int flags);
ssize_t __real_sendmsg(int fd, const struct msghdr* msg, int flags);
ssize_t __real_recvmsg(int fd, struct msghdr* msg, int flags);
ssize_t __real_sendfile64(int out_fd, int in_fd, off64_t* offset, size_t count);
ssize_t __real_splice(int fd_in, loff_t* off_in, int fd_out, loff_t* off_out, size_t len,
                      unsigned int flags);
int __real_poll(struct pollfd* fds, nfds_t nfds, int timeout);
off64_t __real_lseek64(int fd, off64_t offset, int whence);
int __real_setsockopt(int fd, int level, int name, const void* value, socklen_t length);
int __real_getsockopt(int fd, int level, int name, void* value, socklen_t* length);
int __real_fstat64(int fd, struct stat64* status);
int __real_pthread_sigmask(int how, const sigset_t* set, sigset_t* old);
int __real_sigpending(sigset_t* set);
int __real_sigtimedwait(const sigset_t* set, siginfo_t* info, const struct timespec* timeout);

ssize_t __wrap_read(int fd, void* buf, size_t count) {
    count_syscall();
    return __real_read(fd, buf, count);
}
ssize_t __wrap_write(int fd, const void* buf, size_t count) {
    count_syscall();
    return __real_write(fd, buf, count);
}
ssize_t __wrap_pread64(int fd, void* buf, size_t count, off64_t offset) {
    count_syscall();
    return __real_pread64(fd, buf, count, offset);
}
ssize_t __wrap_send(int fd, const void* buf, size_t count, int flags) {
    count_syscall();
    return __real_send(fd, buf, count, flags);
}
ssize_t __wrap_sendmsg(int fd, const struct msghdr* msg, int flags) {
    count_syscall();
    return __real_sendmsg(fd, msg, flags);
}
ssize_t __wrap_recvmsg(int fd, struct msghdr* msg, int flags) {
    count_syscall();
    return __real_recvmsg(fd, msg, flags);
}
ssize_t __wrap_sendfile64(int out_fd, int in_fd, off64_t* offset, size_t count) {
    count_syscall();
    return __real_sendfile64(out_fd, in_fd, offset, count);
}
ssize_t __wrap_splice(int fd_in, loff_t* off_in, int fd_out, loff_t* off_out, size_t len,
                      unsigned int flags) {
    count_syscall();
    return __real_splice(fd_in, off_in, fd_out, off_out, len, flags);
}
int __wrap_poll(struct pollfd* fds, nfds_t nfds, int timeout) {
    count_syscall();
    return __real_poll(fds, nfds, timeout);
}
off64_t __wrap_lseek64(int fd, off64_t offset, int whence) {
    count_syscall();
    return __real_lseek64(fd, offset, whence);
}
int __wrap_setsockopt(int fd, int level, int name, const void* value, socklen_t length) {
    count_syscall();
    return __real_setsockopt(fd, level, name, value, length);
}
int __wrap_getsockopt(int fd, int level, int name, void* value, socklen_t* length) {
    count_syscall();
    return __real_getsockopt(fd, level, name, value, length);
}
int __wrap_fstat64(int fd, struct stat64* status) {
    count_syscall();
    return __real_fstat64(fd, status);
}
int __wrap_pthread_sigmask(int how, const sigset_t* set, sigset_t* old) {
    count_syscall();
    return __real_pthread_sigmask(how, set, old);
}
int __wrap_sigpending(sigset_t* set) {
    count_syscall();
    return __real_sigpending(set);
}
int __wrap_sigtimedwait(const sigset_t* set, siginfo_t* info, const struct timespec* timeout) {
    count_syscall();
    return __real_sigtimedwait(set, info, timeout);
}
}
