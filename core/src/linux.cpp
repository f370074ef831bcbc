// Linux backend: sendfile(2) (sendfile64 through _FILE_OFFSET_BITS=64).
//
// Quirks, from sendfile(2), the kernel source and the peers that handle them:
// - There are no headers or trailers in the call (pysendfile silently dropped them). Headers
//   go out first with sendmsg(MSG_MORE) so the kernel may put them in one segment with the
//   file's first bytes; when trailers follow, TCP_CORK holds the file's last partial segment
//   back so the trailer joins it (tcp(7)). Cork errors are ignored: a Unix socket has none.
// - One call moves at most 0x7ffff000 bytes (MAX_RW_COUNT), also on 64-bit kernels.
// - Since Linux 4.3 (splice-based sendfile) a call may return a short count at any time; a
//   signal after some bytes moved gives that short count rather than EINTR.
// - A NULL offset pointer sends from the file position and advances it; a non-NULL one
//   leaves the position alone. Both are used.
// - A return of 0 while bytes are still owed means the file is shorter than asked (ENODATA).
// - EINVAL/ENOSYS: the descriptors are not ones sendfile can join (an in_fd whose file system
//   has no splice_read, such as /proc/self/status); before any byte went out the dispatcher
//   sends the request through the emulation (used_native 0), after headers went out the rest
//   goes through it here (after_call() in backend_common.h, as for every backend).
// - The out descriptor may be any file since Linux 2.6.33; the dispatcher insists on a
//   socket so that every backend behaves alike.
// - sendfile(2) has no MSG_NOSIGNAL: when the peer is gone (or out_fd is a listening or
//   unconnected socket) the kernel raises SIGPIPE at the calling thread besides failing with
//   EPIPE (sk_stream_error() in net/core/stream.c), which kills a process that kept the
//   default action. The call therefore runs with SIGPIPE blocked in the calling thread, and
//   a SIGPIPE it raised itself is taken off the pending set with sigtimedwait() before the
//   mask is restored (sigpipe_guard, shared with Solaris and AIX in backend_common.h).
// - MSG_MORE and TCP_CORK hold a partial segment back; when the call ends early the held
//   bytes are pushed out, else they wait for the kernel's 200 ms cork timeout.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "backend.h"
#include "backend_common.h"

namespace sfb::detail {

namespace {

// Corks the socket for the file and trailers, unless the caller corked it already (then the
// caller's cork is left alone, and so is its release). Best effort: only TCP has a cork, and
// a failed cork changes segmenting, never bytes.
class cork_guard {
  public:
    cork_guard(int fd, bool wanted) : fd_(fd) {
        if (!wanted) {
            return;
        }
        int corked = 0;
        socklen_t len = sizeof corked;
        if (::getsockopt(fd_, IPPROTO_TCP, TCP_CORK, &corked, &len) == 0 && corked == 0) {
            const int on = 1;
            owned_ = ::setsockopt(fd_, IPPROTO_TCP, TCP_CORK, &on, sizeof on) == 0;
        }
    }
    cork_guard(const cork_guard&) = delete;
    cork_guard& operator=(const cork_guard&) = delete;
    ~cork_guard() {
        if (owned_) {
            const int off = 0;  // uncorking also pushes what the cork held (tcp(7))
            (void)::setsockopt(fd_, IPPROTO_TCP, TCP_CORK, &off, sizeof off);
        }
    }

  private:
    int fd_;
    bool owned_ = false;
};

// Moves the file part (Linux's call takes no headers: `riding` is always empty, they went out
// with sendmsg() before), counting every byte in `out`; returns 0, ENODATA at an early end of
// the file, or an errno value. After each call, after_call() decides as for every backend.
int send_file_range(const checked_request& req, std::span<const sfb_buffer> /*riding*/,
                    sfb_result& out) {
    off_t offset = static_cast<off_t>(req.offset);
    return send_range_in_calls<0>(
        req, {}, out, [&](const pending_headers<0>& /*headers*/, std::uint64_t want) {
            const ssize_t n =
                ::sendfile(req.out_fd, req.in_fd, req.use_file_position ? nullptr : &offset,
                           static_cast<std::size_t>(want));
            return call_outcome{n < 0 ? errno : 0, n < 0 ? 0 : static_cast<std::uint64_t>(n)};
        });
}

}  // namespace

const backend_info native_backend{
    "linux", SFB_CAP_NATIVE | SFB_CAP_HEADERS_NATIVE | SFB_CAP_FILE_POSITION | SFB_CAP_EMULATION};

sfb_result native_send(const checked_request& req) {
    // Corked only when trailers follow, and the SIGPIPE guard only without SFB_SIGPIPE_IGNORED:
    // a block of a file alone costs one sendfile(2) and nothing else.
    const cork_guard cork(req.out_fd, !req.trailers.empty());
    const sfb_result out = send_guarded(req, false, send_file_range);
    if (out.error != 0 && out.bytes_sent > 0) {
        push_held_bytes(req.out_fd);
    }
    return out;
}

}  // namespace sfb::detail
