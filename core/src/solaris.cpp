// Solaris and illumos backend: sendfilev(3EXT) from libsendfile (-lsendfile, linked by
// core/CMakeLists.txt).
//
// Quirks, from sendfilev(3EXT), illumos's sendfilev() (usr/src/uts/common/syscall/sendfile.c),
// nginx's ngx_solaris_sendfilev_chain.c and CPython (bpo-41687):
// - One call takes a vector like writev(): entries with sfv_fd = SFV_FD_SELF send a buffer of
//   this process (its address in sfv_off), an entry with a file descriptor sends sfv_len bytes
//   from sfv_off. Headers are SFV_FD_SELF entries in front of the file entry.
// - `xferred` holds the bytes written also when the call fails (EAGAIN, EINTR, EPIPE after a
//   partial write), so it is counted on every path; entries go out in order, headers first.
// - The sum of the sfv_len values must fit an ssize_t (EINVAL otherwise), which is 32 bits in a
//   32-bit process: one call moves at most kMaxPerCall bytes, headers included.
// - An offset at or past the end of the file gives EINVAL on some releases rather than 0 bytes
//   (CPython bpo-41687); an EINVAL with the offset at or past the file's size is therefore the
//   end of the file (ENODATA), not a refusal. A call that moves nothing while file bytes are
//   owed means the same.
// - A file entry that reaches the end of the file early does not stop the vector, so trailers
//   handed to the kernel would follow missing data. They go out with sendmsg() once the file
//   part is complete.
// - EAFNOSUPPORT and EPROTOTYPE (a socket family or type sendfilev cannot serve, such as
//   AF_UNIX on older releases), EOPNOTSUPP, ENOTSOCK and EINVAL refuse the descriptors before
//   any byte moves; the first two are reported as EOPNOTSUPP so the dispatcher uses the
//   emulation.
// - There are no flags (sfv_flag is reserved): no SFB_CAP_FLAGS. The file position is not used.
// - SIGPIPE: sendfilev() takes no MSG_NOSIGNAL and the system has no SO_NOSIGPIPE, so SIGPIPE
//   is blocked in the calling thread for the duration of the call and one raised meanwhile is
//   taken off the pending set before the mask is restored; the caller sees EPIPE.
#if defined(SFB_FOREIGN_CHECK)
#define SFB_FOREIGN_SOLARIS 1
#include "foreign_decls.h"
#else
#include <sys/sendfile.h>
#include <sys/types.h>
#endif

#include <pthread.h>
#include <sys/stat.h>

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

// At most this many bytes per call, headers included, so that the vector's sum fits a 32-bit
// ssize_t.
constexpr std::uint64_t kMaxPerCall = 0x7ffff000;

// Headers ride in the call only when they are few and small; others go out with sendmsg().
constexpr std::size_t kMaxNativeHeaders = 64;
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

// bpo-41687: whether an EINVAL means "the offset is at or past the end of the file".
bool at_end_of_file(int fd, off_t offset) {
    struct stat st {};
    return ::fstat(fd, &st) == 0 && offset >= st.st_size;
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
        std::array<sendfilevec_t, kMaxNativeHeaders + 1> vec{};
        const std::span<const sfb_buffer> rest = headers.rest();
        for (std::size_t i = 0; i < rest.size(); ++i) {
            vec[i].sfv_fd = SFV_FD_SELF;
            vec[i].sfv_flag = 0;
            vec[i].sfv_off = static_cast<off_t>(reinterpret_cast<std::uintptr_t>(rest[i].data));
            vec[i].sfv_len = rest[i].size;
        }
        sendfilevec_t& file = vec[rest.size()];
        file.sfv_fd = req.in_fd;
        file.sfv_flag = 0;
        file.sfv_off = file_offset(req, out);
        file.sfv_len = static_cast<std::size_t>(want);
        std::size_t xferred = 0;
        const ssize_t rc =
            ::sendfilev(req.out_fd, vec.data(), static_cast<int>(rest.size() + 1), &xferred);
        int error = rc < 0 ? errno : 0;
        if (error == EAFNOSUPPORT || error == EPROTOTYPE) {
            error = EOPNOTSUPP;
        }
        const std::uint64_t moved = xferred;
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
                if (at_end_of_file(req.in_fd, file_offset(req, out))) {
                    // The whole vector was refused, headers included: they still go first.
                    const int e = send_buffers(req.out_fd, headers.rest(), false, out.bytes_sent);
                    return e != 0 ? e : ENODATA;
                }
                return finish_emulated(req, error, headers, out);
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
    return "solaris";
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
