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
#include "backend_common.h"

namespace sfb::detail {

namespace {

// One sendfile() call: the headers still owed in sf_hdtr, then `want` file bytes from where
// `out` says the file part got to.
call_outcome one_call(const checked_request& req, const sfb_result& out,
                      const pending_headers<kMaxHeaderBuffersInCall>& headers, std::uint64_t want) {
    std::array<iovec, kMaxHeaderBuffersInCall> iov{};
    const std::size_t count = fill_iovecs(headers.rest(), 0, iov);
    sf_hdtr hdtr{iov.data(), static_cast<int>(count), nullptr, 0};
    auto len = static_cast<off_t>(headers.bytes() + want);
    const int rc = ::sendfile(req.in_fd, req.out_fd, file_offset(req, out), &len,
                              count == 0 ? nullptr : &hdtr, 0);
    int error = rc == 0 ? 0 : errno;
    if (error == ENOTSUP) {
        error = EOPNOTSUPP;
    }
    return call_outcome{error, refused_by_native(error) ? 0 : static_cast<std::uint64_t>(len)};
}

}  // namespace

const backend_info native_backend{"darwin",
                                  SFB_CAP_NATIVE | SFB_CAP_HEADERS_NATIVE | SFB_CAP_EMULATION};

sfb_result native_send(const checked_request& req) {
    return send_with_headers_in_call<kMaxHeaderBuffersInCall>(req, true, call_raises_sigpipe::no,
                                                              one_call);
}

}  // namespace sfb::detail
