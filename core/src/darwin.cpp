// macOS backend: sendfile(2) with struct sf_hdtr and a value-result length.
//
// Quirks, from macOS's sendfile(2), xnu's sendfile() (bsd/kern/uipc_syscalls.c) and nginx's
// ngx_darwin_sendfile_chain.c:
// - sendfile(file, socket, offset, &len, hdtr, flags): `len` says how many bytes to send and
//   comes back as how many went out. Header bytes count against it, so it is set to the header
//   bytes plus the file bytes wanted, and the count that comes back is headers first.
// - len == 0 means "to the end of the file" and is unreliable; this backend never passes 0 (a
//   request without file bytes never reaches sendfile()).
// - flags must be 0: no SFB_CAP_FLAGS, and the dispatcher refuses the SFB_* OS flags.
// - nginx reports that headers and trailers given together make the call drop the file part,
//   and xnu, like FreeBSD, writes the trailers after the file however far it got. Trailers
//   therefore go out with sendmsg() once the file part is complete.
// - EAGAIN (a full non-blocking socket) and EINTR may come with len > 0: those bytes went out.
//   EINTR is retried; EAGAIN is returned with the counts. xnu copies the count out on every
//   path that reaches the end of the call ("XXX this appears bogus for some early failure
//   conditions"), so an argument refusal counts nothing while other errors count what `len`
//   says.
// - An offset at or past the end of the file succeeds with 0 bytes sent, and a short file sends
//   what it has: a call that moves nothing while file bytes are owed means ENODATA.
// - ENOTSUP (the file's file system cannot do sendfile, or it is not a regular file), EINVAL
//   (not a stream socket), ENOTSOCK: refusals before any byte; ENOTSUP is reported as
//   EOPNOTSUPP, which the dispatcher answers with the emulation (they differ on macOS).
// - SIGPIPE: there is no MSG_NOSIGNAL for sendfile(); the dispatcher sets SO_NOSIGPIPE.
// - The file position is not used; SFB_USE_FILE_POSITION goes through the emulation.
#if defined(SFB_FOREIGN_CHECK)
#define SFB_FOREIGN_DARWIN 1
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

// One call moves at most this many bytes, headers included (len is an off_t, but a count that
// fits 31 bits keeps every conversion exact).
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

off_t file_offset(const checked_request& req, const sfb_result& out) {
    return static_cast<off_t>(req.offset + static_cast<std::int64_t>(out.file_bytes));
}

bool refused(int error) {
    return error == EINVAL || error == ENOSYS || error == ENOTSOCK || error == EOPNOTSUPP;
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
        std::array<iovec, kMaxNativeHeaders> iov{};
        const std::span<const sfb_buffer> rest = headers.rest();
        for (std::size_t i = 0; i < rest.size(); ++i) {
            iov[i].iov_base = const_cast<void*>(rest[i].data);
            iov[i].iov_len = rest[i].size;
        }
        sf_hdtr hdtr{iov.data(), static_cast<int>(rest.size()), nullptr, 0};
        auto len = static_cast<off_t>(headers.bytes() + want);
        const int rc = ::sendfile(req.in_fd, req.out_fd, file_offset(req, out), &len,
                                  rest.empty() ? nullptr : &hdtr, 0);
        int error = rc == 0 ? 0 : errno;
        if (error == ENOTSUP) {
            error = EOPNOTSUPP;
        }
        const auto moved = refused(error) ? 0 : static_cast<std::uint64_t>(len);
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
    return "darwin";
}

int native_capabilities() {
    return SFB_CAP_NATIVE | SFB_CAP_HEADERS_NATIVE | SFB_CAP_EMULATION;
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
