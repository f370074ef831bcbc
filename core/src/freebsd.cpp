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
// - sbytes counts every byte the call put on the socket, header bytes first. The manual pages
//   promise it with EAGAIN (both), EINTR and EBUSY (FreeBSD's: "the number of bytes
//   successfully sent will be returned in *sbytes"); they say nothing of it for the argument
//   errors (EBADF, ENOTSOCK, EINVAL, ENOTCONN, EOPNOTSUPP), which come before any byte moves.
//   FreeBSD's kernel writes 0 there. DragonFly's does not: kern_sendfile() returns from its
//   argument checks before `*sbytes = 0`, and sys_sendfile() then copies out its uninitialised
//   local `sbytes` (sys/kern/uipc_syscalls.c). So sbytes is counted on every path except those
//   errors, which count nothing; after them it is never read. (This note used to say the kernel
//   writes sbytes on every path, which DragonFly's sendfile(2) and kernel do not bear out.)
// - EAGAIN (a full non-blocking socket), EBUSY (SF_NODISKIO and a page not in memory) and EINTR
//   may come with sbytes > 0: those bytes went out. EINTR is retried; EAGAIN and EBUSY are
//   returned with the counts, as nginx treats them. DragonFly's kernel also counts what went
//   out before EPIPE, EIO, ENOBUFS and a socket error.
// - An offset at or past the end of the file succeeds with nothing sent, and a file shorter
//   than nbytes sends what it has and succeeds, so a call that moves nothing while file bytes
//   are owed means the file ended: ENODATA.
// - Both kernels send the trailers after the file loop however far it got ("wimp out and use
//   writev"), so a file that shrank would be followed by its trailer. Trailers therefore go out
//   with sendmsg() once the file part is complete; the kernel would have used writev anyway.
// - DragonFly counts header bytes against nbytes, and when the headers and the first page add
//   up to more than nbytes its unsigned `nbytes - *sbytes` wraps and the call sends to the end
//   of the file (kern_sendfile in sys/kern/uipc_syscalls.c, whose comment notes that FreeBSD
//   fixed this "bug ... that caused the headers to count against the remaining bytes"; the
//   manual page says nbytes counts file bytes). There the headers go out with sendmsg() first
//   and no sf_hdtr is passed.
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
#include "backend_common.h"

namespace sfb::detail {

namespace {

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

// The errors of the argument checks, which come before any byte moves and after which
// DragonFly's sbytes holds garbage (see the notes above).
bool argument_error(int error) {
    return refused_by_native(error) || error == EBADF || error == ENOTCONN;
}

// One sendfile() call: the headers still owed in sf_hdtr, then `want` file bytes from where
// `out` says the file part got to.
call_outcome one_call(const checked_request& req, const sfb_result& out,
                      const pending_headers<kMaxHeaderBuffersInCall>& headers, std::uint64_t want) {
    std::array<iovec, kMaxHeaderBuffersInCall> iov{};
    const std::size_t count = fill_iovecs(headers.rest(), 0, iov);
    sf_hdtr hdtr{iov.data(), static_cast<int>(count), nullptr, 0};
    off_t sbytes = 0;
    const int rc =
        ::sendfile(req.in_fd, req.out_fd, file_offset(req, out), static_cast<std::size_t>(want),
                   count == 0 ? nullptr : &hdtr, &sbytes, os_flags(req.flags));
    const int error = rc == 0 ? 0 : errno;
    return call_outcome{error, argument_error(error) ? 0 : static_cast<std::uint64_t>(sbytes)};
}

}  // namespace

const backend_info native_backend{"freebsd", SFB_CAP_NATIVE |
                                                 (kHeadersInCall ? SFB_CAP_HEADERS_NATIVE : 0) |
                                                 kFlagCapability | SFB_CAP_EMULATION};

sfb_result native_send(const checked_request& req) {
    return send_with_headers_in_call<kMaxHeaderBuffersInCall>(req, kHeadersInCall,
                                                              call_raises_sigpipe::no, one_call);
}

}  // namespace sfb::detail
