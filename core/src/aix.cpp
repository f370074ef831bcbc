// AIX backend: send_file() with one header buffer in struct sf_parms.
//
// Quirks, from AIX's send_file() subroutine documentation (Communications Technical Reference)
// and pysendfile's AIX code:
// - send_file(&socket, &parms, flags) takes a pointer to the socket descriptor (with SF_CLOSE it
//   closes the socket and writes -1 there; this backend never passes SF_CLOSE, and hands it a
//   copy).
// - sf_parms carries one header buffer, the file range and one trailer buffer. A request with
//   several header buffers sends them with sendmsg() first; a single small one rides in the call.
// - file_bytes == -1 means "to the end of the file"; the dispatcher resolves that form and this
//   backend passes exact counts, never 0 (a request without file bytes never reaches send_file).
// - The return value is 0 when everything asked for went out, 1 when more remains (the call may
//   be repeated), -1 on error. bytes_sent reports the bytes of one call, so it is reset before
//   each call and added up here, as pysendfile did. The other fields are documented as
//   input/output; this backend rebuilds them from its own counts before every call, which holds
//   whichever of them a given release advances.
// - It sends from the offset in the structure and does not advance the file offset; the
//   dispatcher sends SFB_USE_FILE_POSITION requests through the emulation.
// - A return of 1 that moved nothing is taken as a full non-blocking socket (EAGAIN) rather than
//   retried in a spin. A call that completes having moved nothing while file bytes are owed
//   means the file ended: ENODATA.
// - Trailers are sent with sendmsg() once the file part is complete, so a file that shrank is
//   never followed by its trailer (as on the other systems whose kernels take trailers).
// - Only TCP sockets (SOCK_STREAM in AF_INET/AF_INET6) are served; other sockets fail before any
//   byte moves (EAFNOSUPPORT, EPROTOTYPE, EOPNOTSUPP, ENOTSOCK or EINVAL), reported as
//   refusals so the dispatcher uses the emulation.
// - Flags: SF_DONT_CACHE keeps the file out of the network buffer cache, as pysendfile did, so
//   each call sends the file rather than a cached copy; the SFB_* OS flags are FreeBSD's and
//   unsupported here (no SFB_CAP_FLAGS).
// - SIGPIPE: send_file() takes no MSG_NOSIGNAL, so SIGPIPE is blocked in the calling thread for
//   the duration of the call and one raised meanwhile is consumed; the caller sees EPIPE.
#if defined(SFB_FOREIGN_CHECK)
#define SFB_FOREIGN_AIX 1
#include "foreign_decls.h"
#else
#include <sys/socket.h>
#include <sys/types.h>
#endif

#include <pthread.h>

#include <csignal>
#include <ctime>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>

#include "backend.h"

namespace sfb::detail {

namespace {

// At most this many bytes per call, headers included; file_bytes is 64 bits, but a count that
// fits 31 bits keeps every conversion exact on 32-bit builds.
constexpr std::uint64_t kMaxPerCall = 0x7ffff000;

// sf_parms has room for one header buffer; a small one rides in the call.
constexpr std::size_t kMaxNativeHeaders = 1;
constexpr std::uint64_t kMaxNativeHeaderBytes = 64 * 1024;

// The header bytes still owed, kept so that they go out in the same call as the file's first
// bytes.
class pending_headers {
  public:
    pending_headers() = default;

    static bool fit(std::span<const sfb_buffer> headers) {
        if (headers.size() > kMaxNativeHeaders) {
            return false;
        }
        std::uint64_t total = 0;
        for (const sfb_buffer& b : headers) {
            total += b.size;
        }
        return total <= kMaxNativeHeaderBytes;
    }

    explicit pending_headers(std::span<const sfb_buffer> headers) {
        for (const sfb_buffer& b : headers) {
            if (b.size > 0) {
                buffers_[count_++] = b;
                bytes_ += b.size;
            }
        }
    }

    std::span<const sfb_buffer> rest() const { return {buffers_.data() + first_, count_ - first_}; }
    std::uint64_t bytes() const { return bytes_; }

    // Takes `moved` bytes that went out (headers come first) off the headers; returns how many
    // of them were header bytes.
    std::uint64_t consume(std::uint64_t moved) {
        const std::uint64_t taken = std::min(moved, bytes_);
        bytes_ -= taken;
        std::uint64_t left = taken;
        while (left > 0) {
            sfb_buffer& b = buffers_[first_];
            const auto part = static_cast<std::size_t>(std::min<std::uint64_t>(left, b.size));
            b.data = static_cast<const char*>(b.data) + part;
            b.size -= part;
            left -= part;
            if (b.size == 0) {
                ++first_;
            }
        }
        return taken;
    }

  private:
    std::array<sfb_buffer, kMaxNativeHeaders> buffers_{};
    std::size_t first_ = 0;
    std::size_t count_ = 0;
    std::uint64_t bytes_ = 0;
};

// Keeps SIGPIPE from this thread while it lives: the signal is blocked, and one raised by the
// calls made meanwhile is consumed before the old mask comes back, so the caller gets EPIPE
// instead (unless SIGPIPE was already blocked or pending, which is the program's own business).
class sigpipe_suppressed {
  public:
    sigpipe_suppressed() {
        sigemptyset(&pipe_);
        sigaddset(&pipe_, SIGPIPE);
        sigset_t pending;
        sigemptyset(&pending);
        already_pending_ = ::sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1;
        blocked_ = ::pthread_sigmask(SIG_BLOCK, &pipe_, &old_) == 0;
    }
    sigpipe_suppressed(const sigpipe_suppressed&) = delete;
    sigpipe_suppressed& operator=(const sigpipe_suppressed&) = delete;

    ~sigpipe_suppressed() {
        if (!blocked_) {
            return;
        }
        if (!already_pending_ && sigismember(&old_, SIGPIPE) == 0) {
            sigset_t pending;
            sigemptyset(&pending);
            if (::sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1) {
                const timespec no_wait{};
                while (::sigtimedwait(&pipe_, nullptr, &no_wait) < 0 && errno == EINTR) {
                }
            }
        }
        (void)::pthread_sigmask(SIG_SETMASK, &old_, nullptr);
    }

  private:
    sigset_t pipe_{};
    sigset_t old_{};
    bool already_pending_ = false;
    bool blocked_ = false;
};

off_t file_offset(const checked_request& req, const sfb_result& out) {
    return static_cast<off_t>(req.offset + static_cast<std::int64_t>(out.file_bytes));
}

// The kernel refused the descriptors. Before any byte went out the dispatcher sends the whole
// request through the emulation; after some did, the rest goes through it here.
int finish_emulated(const checked_request& req, int error, const pending_headers& headers,
                    sfb_result& out) {
    if (out.bytes_sent == 0) {
        return error;
    }
    if (int e = send_buffers(req.out_fd, headers.rest(), true, out.bytes_sent); e != 0) {
        return e;
    }
    const std::uint64_t before = out.file_bytes;
    const int e =
        emulated_file_range(req.out_fd, req.in_fd, file_offset(req, out), false,
                            req.nbytes - out.file_bytes, !req.trailers.empty(), out.file_bytes);
    out.bytes_sent += out.file_bytes - before;
    return e;
}

// Sends the headers in `headers` and the file part; returns 0, ENODATA at an early end of the
// file, or an errno value, with every byte that went out counted in `out`.
int send_file_range(const checked_request& req, pending_headers headers, sfb_result& out) {
    while (out.file_bytes < req.nbytes) {
        const std::uint64_t want =
            std::min(req.nbytes - out.file_bytes, kMaxPerCall - headers.bytes());
        const std::span<const sfb_buffer> rest = headers.rest();
        sf_parms parms{};
        if (!rest.empty()) {
            parms.header_data = const_cast<void*>(rest.front().data);
            parms.header_length = static_cast<unsigned int>(rest.front().size);
        }
        parms.file_descriptor = req.in_fd;
        parms.file_offset = static_cast<std::uint64_t>(file_offset(req, out));
        parms.file_bytes = static_cast<std::int64_t>(want);
        parms.bytes_sent = 0;
        int socket = req.out_fd;
        const ssize_t rc = ::send_file(&socket, &parms, SF_DONT_CACHE);
        int error = rc < 0 ? errno : 0;
        const std::uint64_t moved = parms.bytes_sent;
        if (rc == 1 && moved == 0) {
            error = EAGAIN;  // "more remains" and nothing moved: a full non-blocking socket
        }
        if (error == EAFNOSUPPORT || error == EPROTOTYPE) {
            error = EOPNOTSUPP;  // not a TCP socket: the dispatcher's word for a refusal
        }
        out.file_bytes += moved - headers.consume(moved);
        out.bytes_sent += moved;
        switch (error) {
            case 0:
                if (moved == 0) {
                    return ENODATA;  // the file ended before nbytes
                }
                break;
            case EINTR:
                break;  // what moved is counted; go on from there
            case EAGAIN:
                return error;
            case EINVAL:
            case ENOSYS:
            case ENOTSOCK:
            case EOPNOTSUPP:
                return finish_emulated(req, error, headers, out);
            default:
                return error;
        }
    }
    return 0;
}

}  // namespace

const char* native_backend_name() {
    return "aix";
}

int native_capabilities() {
    return SFB_CAP_NATIVE | SFB_CAP_HEADERS_NATIVE | SFB_CAP_EMULATION;
}

sfb_result native_send(const checked_request& req) {
    const sigpipe_suppressed no_sigpipe;
    sfb_result out{};
    out.used_native = 1;
    if (req.nbytes > 0 && pending_headers::fit(req.headers)) {
        out.error = send_file_range(req, pending_headers(req.headers), out);
    } else {
        out.error = send_buffers(req.out_fd, req.headers, true, out.bytes_sent);
        if (out.error == 0) {
            out.error = send_file_range(req, pending_headers(), out);
        }
    }
    if (out.error == 0) {
        out.error = send_buffers(req.out_fd, req.trailers, false, out.bytes_sent);
    }
    return out;
}

}  // namespace sfb::detail
