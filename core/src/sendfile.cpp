// The dispatcher behind the C ABI: checks the request once, resolves "0 bytes means to the
// end of the file", keeps SIGPIPE away, and picks the native backend or the emulation.
#include <fcntl.h>
#include <sfb/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <span>
#include <vector>

#include "backend.h"

#ifndef SFB_VERSION
#error "SFB_VERSION must be defined by the build"
#endif

namespace {

using sfb::detail::checked_request;

constexpr int kKnownFlags = SFB_FORCE_EMULATION | SFB_USE_FILE_POSITION | SFB_SIGPIPE_IGNORED |
                            SFB_NODISKIO | SFB_MNOWAIT | SFB_SYNC | SFB_NOCACHE;
constexpr int kOsFlags = SFB_NODISKIO | SFB_MNOWAIT | SFB_SYNC | SFB_NOCACHE;

// The fallback rule shared with libuv, nginx and CPython: only a refusal before any byte
// went out may be retried through the emulation.
bool refused_by_native(const sfb_result& r) {
    return r.bytes_sent == 0 &&
           (r.error == EINVAL || r.error == ENOSYS || r.error == ENOTSOCK || r.error == EOPNOTSUPP);
}

// Whether `fd` was opened with an access mode that allows reading (or writing).
bool open_for(int fd, bool writing) {
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0) {
        return false;
    }
    const int mode = flags & O_ACCMODE;
    return mode == O_RDWR || mode == (writing ? O_WRONLY : O_RDONLY);
}

int check_buffers(const sfb_buffer* buffers, std::size_t count) {
    if (count > 0 && buffers == nullptr) {
        return EINVAL;
    }
    for (std::size_t i = 0; i < count; ++i) {
        if (buffers[i].data == nullptr && buffers[i].size > 0) {
            return EINVAL;
        }
    }
    return 0;
}

// Whether a request is the hot case of a server or a benchmark loop: one block of a file, no
// headers or trailers, to a native call. Such a request skips the input file's checks (an
// fstat() per call, a tenth of the time of a 64 KiB sendfile on loopback); when the native
// call then fails without sending a byte, the full checks run and explain the failure, so
// the caller sees the same error as with the checks made up front.
bool is_quick(const sfb_request& in) {
    const int slow_flags = SFB_FORCE_EMULATION | SFB_USE_FILE_POSITION;
    return in.header_count == 0 && in.trailer_count == 0 && in.nbytes > 0 && in.already_sent == 0 &&
           (in.flags & slow_flags) == 0 && (sfb_capabilities() & SFB_CAP_NATIVE) != 0;
}

// Fills `out` from `in`, or returns the errno value that explains why the request is bad.
// `quick` leaves out what is_quick() allows to leave out.
int check_request(const sfb_request& in, bool quick, checked_request& out) {
    if ((in.flags & ~kKnownFlags) != 0) {
        return EINVAL;
    }
    if ((in.flags & kOsFlags) != 0 && (sfb_capabilities() & SFB_CAP_FLAGS) == 0) {
        return ENOTSUP;
    }
    const bool use_position = (in.flags & SFB_USE_FILE_POSITION) != 0;
    if (!use_position && in.offset < 0) {
        return EINVAL;
    }
    if (int e = check_buffers(in.headers, in.header_count); e != 0) {
        return e;
    }
    if (int e = check_buffers(in.trailers, in.trailer_count); e != 0) {
        return e;
    }
    struct stat out_st {};
    if (in.out_fd < 0 || ::fstat(in.out_fd, &out_st) != 0) {
        return EBADF;
    }
    if (quick && S_ISSOCK(out_st.st_mode) && in.in_fd >= 0) {
        out = checked_request{in.out_fd, in.in_fd, in.offset, false, in.nbytes, {}, {}, in.flags};
        return 0;
    }
    struct stat in_st {};
    if (in.in_fd < 0 || ::fstat(in.in_fd, &in_st) != 0) {
        return EBADF;
    }
    if (S_ISDIR(in_st.st_mode)) {
        return EISDIR;
    }
    if (!S_ISREG(in_st.st_mode)) {
        return EINVAL;  // a pipe, socket or device has no stable offsets to send from
    }
    if (!S_ISSOCK(out_st.st_mode)) {
        // Linux's sendfile would write into a regular file while the emulation's send() can
        // not, so no backend accepts one. Descriptors opened the wrong way round keep
        // sendfile(2)'s answer, EBADF (pysendfile's test 5).
        return open_for(in.out_fd, true) && open_for(in.in_fd, false) ? ENOTSOCK : EBADF;
    }
    std::int64_t start = in.offset;
    if (use_position) {
        const off_t pos = ::lseek(in.in_fd, 0, SEEK_CUR);
        if (pos < 0) {
            return errno;
        }
        start = pos;
    }
    if (start > in_st.st_size) {
        // Past the end there is nothing to send, whatever nbytes says: fail before headers go
        // out, so nothing at all arrives (pysendfile's test 8).
        return ENODATA;
    }
    std::uint64_t nbytes = in.nbytes;
    if (nbytes == 0) {
        nbytes = static_cast<std::uint64_t>(in_st.st_size - start);
    }
    if (in.already_sent > 0 && use_position) {
        return EINVAL;
    }
    out = checked_request{in.out_fd,
                          in.in_fd,
                          start,
                          use_position,
                          nbytes,
                          std::span(in.headers, in.header_count),
                          std::span(in.trailers, in.trailer_count),
                          in.flags};
    return 0;
}

std::uint64_t total_size(std::span<const sfb_buffer> buffers) {
    std::uint64_t total = 0;
    for (const sfb_buffer& b : buffers) {
        total += b.size;
    }
    return total;
}

// Drops the first `skip` bytes of `buffers`, copying them into `storage` only when a buffer
// is cut in the middle; returns how many of `skip` were left over past the buffers' end.
std::uint64_t skip_buffers(std::span<const sfb_buffer>& buffers, std::uint64_t skip,
                           std::vector<sfb_buffer>& storage) {
    std::size_t whole = 0;
    while (whole < buffers.size() && skip >= buffers[whole].size) {
        skip -= buffers[whole].size;
        ++whole;
    }
    buffers = buffers.subspan(whole);
    if (skip == 0 || buffers.empty()) {
        return skip;
    }
    storage.assign(buffers.begin(), buffers.end());
    storage.front().data = static_cast<const char*>(storage.front().data) + skip;
    storage.front().size -= static_cast<std::size_t>(skip);
    buffers = storage;
    return 0;
}

// Narrows `req` to what is left after `already_sent` bytes of it went out in earlier calls.
int apply_already_sent(std::uint64_t already_sent, checked_request& req,
                       std::vector<sfb_buffer>& header_storage,
                       std::vector<sfb_buffer>& trailer_storage) {
    if (already_sent == 0) {
        return 0;
    }
    if (already_sent > total_size(req.headers) + req.nbytes + total_size(req.trailers)) {
        return EINVAL;
    }
    std::uint64_t left = skip_buffers(req.headers, already_sent, header_storage);
    const std::uint64_t file_skip = left < req.nbytes ? left : req.nbytes;
    req.offset += static_cast<std::int64_t>(file_skip);
    req.nbytes -= file_skip;
    left -= file_skip;
    skip_buffers(req.trailers, left, trailer_storage);
    return 0;
}

void suppress_sigpipe([[maybe_unused]] int fd) {
#if defined(SO_NOSIGPIPE)
    // Systems without MSG_NOSIGNAL (macOS) ask the socket itself not to raise SIGPIPE.
    const int on = 1;
    (void)::setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &on, sizeof on);
#endif
}

}  // namespace

extern "C" int sfb_sendfile(const sfb_request* request, sfb_result* result) {
    if (result == nullptr) {
        errno = EINVAL;
        return EINVAL;
    }
    *result = sfb_result{};
    checked_request req{};
    std::vector<sfb_buffer> header_storage;
    std::vector<sfb_buffer> trailer_storage;
    const bool quick = request != nullptr && is_quick(*request);
    result->error = request == nullptr ? EINVAL : check_request(*request, quick, req);
    if (result->error == 0) {
        result->error =
            apply_already_sent(request->already_sent, req, header_storage, trailer_storage);
    }
    if (result->error == 0) {
        suppress_sigpipe(req.out_fd);
        const bool native_can =
            (sfb_capabilities() & SFB_CAP_NATIVE) != 0 &&
            (!req.use_file_position || (sfb_capabilities() & SFB_CAP_FILE_POSITION) != 0);
        if (native_can && (req.flags & SFB_FORCE_EMULATION) == 0) {
            *result = sfb::detail::native_send(req);
            int check_error = 0;
            if (quick && result->error != 0 && result->bytes_sent == 0) {
                // The checks a quick request skipped explain a failure better than the
                // kernel's errno (EISDIR for a directory, ENODATA past the end...).
                checked_request full{};
                check_error = check_request(*request, false, full);
            }
            if (check_error != 0) {
                *result = sfb_result{};
                result->error = check_error;
            } else if (refused_by_native(*result)) {
                *result = sfb::detail::emulated_send(req);
            }
        } else {
            *result = sfb::detail::emulated_send(req);
        }
    }
    errno = result->error;
    return result->error;
}

extern "C" int64_t sfb_sendfile_simple(int out_fd, int in_fd, int64_t offset, uint64_t nbytes) {
    sfb_request request{};
    request.out_fd = out_fd;
    request.in_fd = in_fd;
    request.offset = offset < 0 ? 0 : offset;
    request.nbytes = nbytes;
    request.flags = offset < 0 ? SFB_USE_FILE_POSITION : 0;
    sfb_result result{};
    const int error = sfb_sendfile(&request, &result);
    // pysendfile's contract: a count whenever something went out, 0 at the end of the file,
    // and an error only when nothing moved.
    if (result.bytes_sent > 0 || error == 0 || error == ENODATA) {
        return static_cast<int64_t>(result.bytes_sent);
    }
    errno = error;
    return -1;
}

extern "C" const char* sfb_backend_name(void) {
    return sfb::detail::native_backend_name();
}

extern "C" int sfb_capabilities(void) {
    return sfb::detail::native_capabilities();
}

extern "C" const char* sfb_version(void) {
    return SFB_VERSION;
}
