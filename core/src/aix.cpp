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
//   the duration of the call and one raised meanwhile is consumed (sigpipe_guard in
//   backend_common.h); the caller sees EPIPE.
#if defined(SFB_FOREIGN_CHECK)
#define SFB_FOREIGN_AIX 1
#include "foreign_decls.h"
#else
#include <sys/socket.h>
#include <sys/types.h>
#endif

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>

#include "backend.h"
#include "backend_common.h"

namespace sfb::detail {

namespace {

// sf_parms has room for one header buffer; a small one rides in the call.
constexpr std::size_t kMaxNativeHeaders = 1;

// One send_file() call: the header still owed in sf_parms, then `want` file bytes from where
// `out` says the file part got to.
call_outcome one_call(const checked_request& req, const sfb_result& out,
                      const pending_headers<kMaxNativeHeaders>& headers, std::uint64_t want) {
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
    return call_outcome{error, moved};
}

}  // namespace

const backend_info native_backend{"aix",
                                  SFB_CAP_NATIVE | SFB_CAP_HEADERS_NATIVE | SFB_CAP_EMULATION};

sfb_result native_send(const checked_request& req) {
    return send_with_headers_in_call<kMaxNativeHeaders>(req, true, call_raises_sigpipe::yes,
                                                        one_call);
}

}  // namespace sfb::detail
