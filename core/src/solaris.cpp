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
//   taken off the pending set before the mask is restored (sigpipe_guard in
//   backend_common.h); the caller sees EPIPE.
#if defined(SFB_FOREIGN_CHECK)
#define SFB_FOREIGN_SOLARIS 1
#include "foreign_decls.h"
#else
#include <sys/sendfile.h>
#include <sys/types.h>
#endif

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>

#include "backend.h"
#include "backend_common.h"

namespace sfb::detail {

namespace {

// bpo-41687: whether an EINVAL means "the offset is at or past the end of the file".
bool at_end_of_file(int fd, off_t offset) {
    struct stat st {};
    return ::fstat(fd, &st) == 0 && offset >= st.st_size;
}

// One sendfilev() call: the headers still owed as SFV_FD_SELF entries, then an entry for `want`
// file bytes from where `out` says the file part got to.
call_outcome one_call(const checked_request& req, const sfb_result& out,
                      const pending_headers<kMaxHeaderBuffersInCall>& headers, std::uint64_t want) {
    std::array<sendfilevec_t, kMaxHeaderBuffersInCall + 1> vec{};
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
    return call_outcome{error, xferred};
}

}  // namespace

const backend_info native_backend{"solaris",
                                  SFB_CAP_NATIVE | SFB_CAP_HEADERS_NATIVE | SFB_CAP_EMULATION};

sfb_result native_send(const checked_request& req) {
    // bpo-41687: an EINVAL with the offset at or past the end of the file refused the whole
    // vector, headers included; they still go first, then the file has ended.
    const auto refused_at_end = [&req](int error, sfb_result& out,
                                       std::span<const sfb_buffer> unsent_headers) {
        if (error == EINVAL && at_end_of_file(req.in_fd, file_offset(req, out))) {
            const int e = send_buffers(req.out_fd, unsent_headers, false, out.bytes_sent);
            return e != 0 ? e : ENODATA;
        }
        return kGoOn;
    };
    return send_with_headers_in_call<kMaxHeaderBuffersInCall>(req, true, call_raises_sigpipe::yes,
                                                              one_call, refused_at_end);
}

}  // namespace sfb::detail
