// FreeBSD and DragonFly backend: sendfile(2) with struct sf_hdtr.
//
// Quirks, from FreeBSD's and DragonFly's sendfile(2), their kernels' sys_sendfile() and
// kern_sendfile() (sys/kern/kern_sendfile.c, sys/kern/uipc_syscalls.c) and nginx's
// ngx_freebsd_sendfile_chain.c:
// - The order is the reverse of Linux's: sendfile(file, socket, offset, nbytes, hdtr, &sbytes,
//   flags). The offset is a value, so the file position is neither used nor moved; the
//   dispatcher sends SFB_USE_FILE_POSITION requests through the emulation.
// - nbytes == 0 means "up to the end of the file". The dispatcher resolves that form and this
//   backend never passes 0: a request without file bytes never reaches sendfile().
// - sbytes counts every byte the call put on the socket, header bytes first. The kernel writes
//   it on every path, errors included, so it is counted on every path.
// - EAGAIN (a full non-blocking socket), EBUSY (SF_NODISKIO and a page not in memory) and EINTR
//   may come with sbytes > 0: those bytes went out. EINTR is retried; EAGAIN and EBUSY are
//   returned with the counts, as nginx treats them.
// - An offset at or past the end of the file succeeds with nothing sent, and a file shorter
//   than nbytes sends what it has and succeeds, so a call that moves nothing while file bytes
//   are owed means the file ended: ENODATA.
// - Both kernels send the trailers after the file loop however far it got ("wimp out and use
//   writev"), so a file that shrank would be followed by its trailer. Trailers therefore go out
//   with sendmsg() once the file part is complete; the kernel would have used writev anyway.
// - DragonFly counts header bytes against nbytes, and when the headers and the first page add
//   up to more than nbytes its unsigned `nbytes - *sbytes` wraps and the call sends to the end
//   of the file (kern_sendfile in sys/kern/uipc_syscalls.c). There the headers go out with
//   sendmsg() first and no sf_hdtr is passed.
// - Flags: SF_NODISKIO, SF_MNOWAIT (marked obsolete in FreeBSD's headers), SF_SYNC, SF_NOCACHE
//   (FreeBSD 11). DragonFly defines none of them. SFB_CAP_FLAGS is claimed only where all four
//   exist, so a flag is never silently dropped: elsewhere the dispatcher answers ENOTSUP.
// - EINVAL (not a regular file, not a stream socket), ENOTSOCK and EOPNOTSUPP (a file system or
//   socket that cannot do sendfile) come before any byte moves; the dispatcher then uses the
//   emulation.
// - SIGPIPE: sendfile() has no MSG_NOSIGNAL; the dispatcher sets SO_NOSIGPIPE on the socket.
#if defined(SFB_FOREIGN_CHECK)
#define SFB_FOREIGN_FREEBSD 1
#include "foreign_decls.h"
#else
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#endif

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>

#include "backend.h"

namespace sfb::detail {

namespace {

// One call moves at most this many bytes, headers included; the kernel has no smaller limit,
// and a count that fits 31 bits is safe for every off_t and size_t involved.
constexpr std::uint64_t kMaxPerCall = 0x7ffff000;

// Headers ride in the call only when they are few and small (an HTTP response head, say);
// others go out with sendmsg() first, which costs one system call and nothing else.
constexpr std::size_t kMaxNativeHeaders = 64;
constexpr std::uint64_t kMaxNativeHeaderBytes = 64 * 1024;

#if defined(__DragonFly__)
constexpr bool kHeadersInCall = false;
#else
constexpr bool kHeadersInCall = true;
#endif

#if defined(SF_NODISKIO) && defined(SF_MNOWAIT) && defined(SF_SYNC) && defined(SF_NOCACHE)
constexpr int kFlagCapability = SFB_CAP_FLAGS;

int os_flags(int flags) {
    int os = 0;
    os |= (flags & SFB_NODISKIO) != 0 ? SF_NODISKIO : 0;
    os |= (flags & SFB_MNOWAIT) != 0 ? SF_MNOWAIT : 0;
    os |= (flags & SFB_SYNC) != 0 ? SF_SYNC : 0;
    os |= (flags & SFB_NOCACHE) != 0 ? SF_NOCACHE : 0;
    return os;
}
#else
constexpr int kFlagCapability = 0;

int os_flags(int /*flags*/) {
    return 0;  // the dispatcher refuses SFB_* OS flags without SFB_CAP_FLAGS
}
#endif

// The header bytes still owed, kept so that they go out in the same call as the file's first
// bytes (one segment for a small response).
class pending_headers {
  public:
    pending_headers() = default;

    static bool fit(std::span<const sfb_buffer> headers) {
        if (!kHeadersInCall || headers.size() > kMaxNativeHeaders) {
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

off_t file_offset(const checked_request& req, const sfb_result& out) {
    return static_cast<off_t>(req.offset + static_cast<std::int64_t>(out.file_bytes));
}

// The kernel refused the descriptors. Before any byte went out the dispatcher sends the whole
// request through the emulation; after some did (headers sent with sendmsg()), the rest goes
// through it here, as in linux.cpp.
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
    const int flags = os_flags(req.flags);
    while (out.file_bytes < req.nbytes) {
        const std::uint64_t want =
            std::min(req.nbytes - out.file_bytes, kMaxPerCall - headers.bytes());
        std::array<iovec, kMaxNativeHeaders> iov{};
        const std::span<const sfb_buffer> rest = headers.rest();
        for (std::size_t i = 0; i < rest.size(); ++i) {
            iov[i].iov_base = const_cast<void*>(rest[i].data);
            iov[i].iov_len = rest[i].size;
        }
        sf_hdtr hdtr{iov.data(), static_cast<int>(rest.size()), nullptr, 0};
        off_t sbytes = 0;
        const int rc =
            ::sendfile(req.in_fd, req.out_fd, file_offset(req, out), static_cast<std::size_t>(want),
                       rest.empty() ? nullptr : &hdtr, &sbytes, flags);
        const int error = rc == 0 ? 0 : errno;
        const auto moved = static_cast<std::uint64_t>(sbytes);
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
            case EBUSY:
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
    return "freebsd";
}

int native_capabilities() {
    return SFB_CAP_NATIVE | (kHeadersInCall ? SFB_CAP_HEADERS_NATIVE : 0) | kFlagCapability |
           SFB_CAP_EMULATION;
}

sfb_result native_send(const checked_request& req) {
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
