// The pieces backend_common.h describes.
#include "backend_common.h"

#include <pthread.h>

#include <cerrno>
#include <ctime>

namespace sfb::detail {

bool refused_by_native(int error) {
    return error == EINVAL || error == ENOSYS || error == ENOTSOCK || error == EOPNOTSUPP;
}

off_t file_offset(const checked_request& req, const sfb_result& out) {
    return static_cast<off_t>(req.offset + static_cast<std::int64_t>(out.file_bytes));
}

int finish_emulated(const checked_request& req, int error,
                    std::span<const sfb_buffer> unsent_headers, sfb_result& out) {
    if (out.bytes_sent == 0) {
        return error;
    }
    if (int e = send_buffers(req.out_fd, unsent_headers, true, out.bytes_sent); e != 0) {
        return e;
    }
    const std::uint64_t before = out.file_bytes;
    // With the file position (Linux), the kernel advanced it past what its calls moved, so the
    // emulation goes on from there.
    const int e =
        emulated_file_range(req.out_fd, req.in_fd, file_offset(req, out), req.use_file_position,
                            req.nbytes - out.file_bytes, !req.trailers.empty(), out.file_bytes);
    out.bytes_sent += out.file_bytes - before;
    return e;
}

namespace {

bool sigpipe_pending() {
    sigset_t pending;
    return ::sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1;
}

}  // namespace

int after_call(const checked_request& req, int error, std::uint64_t moved,
               std::span<const sfb_buffer> unsent_headers, sfb_result& out) {
    if (refused_by_native(error)) {
        return finish_emulated(req, error, unsent_headers, out);
    }
    switch (error) {
        case 0:
            return moved == 0 ? ENODATA : kGoOn;  // 0 moved: the file ended before nbytes
        case EINTR:
            return kGoOn;  // what moved is counted; go on from there
        default:
            return error;
    }
}

sigpipe_guard::sigpipe_guard(int request_flags)
    : active_((request_flags & SFB_SIGPIPE_IGNORED) == 0) {
    if (!active_) {
        return;
    }
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t old;
    blocked_here_ =
        ::pthread_sigmask(SIG_BLOCK, &pipe_, &old) == 0 && sigismember(&old, SIGPIPE) == 0;
    pending_before_ = !blocked_here_ && sigpipe_pending();
}

void sigpipe_guard::release(int error) {
    if (!active_) {
        return;
    }
    if (error != 0 && !pending_before_ && sigpipe_pending()) {
        const timespec no_wait{};
        (void)retry_on_eintr([&] { return ::sigtimedwait(&pipe_, nullptr, &no_wait); });
    }
    if (blocked_here_) {
        (void)::pthread_sigmask(SIG_UNBLOCK, &pipe_, nullptr);
        blocked_here_ = false;
    }
}

}  // namespace sfb::detail
