// The dispatcher behind the C ABI: checks the request (or only its fields, for a descriptor
// pair sfb_prepare() checked), resolves "0 bytes means to the end of the file", and picks the
// native backend or the emulation.
#include <fcntl.h>
#include <sfb/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdint>
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

// What sfb_prepare() writes into a handle it filled: a zeroed or stale handle never has it.
constexpr std::uint32_t kPrepared = 0x53464250;  // "SFBP"

// Whether `fd` was opened with an access mode that allows reading (or writing). O_PATH
// descriptors allow neither.
bool open_for(int fd, bool writing) {
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0) {
        return false;
    }
#ifdef O_PATH
    if ((flags & O_PATH) != 0) {
        return false;
    }
#endif
    const int mode = flags & O_ACCMODE;
    return mode == O_RDWR || mode == (writing ? O_WRONLY : O_RDONLY);
}

// A buffer list: non-NULL where it has a count, non-NULL data where a buffer has a size, and
// at most SSIZE_MAX bytes in all (what one sendmsg() may be asked for; no process holds more),
// so a bogus size is refused before anything is sent rather than after the file went out.
int check_buffers(const sfb_buffer* buffers, std::size_t count) {
    if (count > 0 && buffers == nullptr) {
        return EINVAL;
    }
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < count; ++i) {
        if (buffers[i].data == nullptr && buffers[i].size > 0) {
            return EINVAL;
        }
        if (buffers[i].size > static_cast<std::uint64_t>(SSIZE_MAX) - total) {
            return EINVAL;
        }
        total += buffers[i].size;
    }
    return 0;
}

// The checks of the request's own fields, which cost no system call.
int check_fields(const sfb_request& in) {
    if ((in.flags & ~kKnownFlags) != 0) {
        return EINVAL;
    }
    if ((in.flags & kOsFlags) != 0 && (sfb_capabilities() & SFB_CAP_FLAGS) == 0) {
        return ENOTSUP;
    }
    if ((in.flags & SFB_USE_FILE_POSITION) == 0 && in.offset < 0) {
        return EINVAL;
    }
    if (in.already_sent > 0 && (in.flags & SFB_USE_FILE_POSITION) != 0) {
        return EINVAL;  // the position already moved past what went out
    }
    if (int e = check_buffers(in.headers, in.header_count); e != 0) {
        return e;
    }
    return check_buffers(in.trailers, in.trailer_count);
}

void suppress_sigpipe([[maybe_unused]] int fd) {
#if defined(SO_NOSIGPIPE)
    // Systems without MSG_NOSIGNAL (macOS) ask the socket itself not to raise SIGPIPE.
    const int on = 1;
    (void)::setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &on, sizeof on);
#endif
}

// The descriptor checks: `in_fd` a regular file open for reading, `out_fd` a stream socket.
// Three system calls; `in_st` receives the file's status. Returns 0 or the errno value.
int check_descriptors(int out_fd, int in_fd, struct stat& in_st) {
    if (out_fd < 0 || in_fd < 0) {
        return EBADF;
    }
    int type = 0;
    socklen_t type_len = sizeof type;
    const bool is_socket = ::getsockopt(out_fd, SOL_SOCKET, SO_TYPE, &type, &type_len) == 0;
    if (!is_socket && errno != ENOTSOCK) {
        return EBADF;
    }
    if (::fstat(in_fd, &in_st) != 0) {
        return EBADF;
    }
    if (S_ISDIR(in_st.st_mode)) {
        return EISDIR;
    }
    if (!S_ISREG(in_st.st_mode)) {
        return EINVAL;  // a pipe, socket or device has no stable offsets to send from
    }
    if (!open_for(in_fd, false)) {
        return EBADF;  // sendfile(2)'s answer for a file not open for reading
    }
    if (!is_socket) {
        // Linux's sendfile would write into a regular file while the emulation's send() can
        // not, so no backend accepts one. A descriptor not open for writing keeps
        // sendfile(2)'s answer, EBADF (pysendfile's test 5).
        return open_for(out_fd, true) ? ENOTSOCK : EBADF;
    }
    if (type != SOCK_STREAM) {
        // A datagram socket would cut the stream into messages (EMSGSIZE, EDESTADDRREQ):
        // refused, as FreeBSD's sendfile(2) refuses "not a SOCK_STREAM type socket".
        return EINVAL;
    }
    suppress_sigpipe(out_fd);
    return 0;
}

// Whether a request is the hot case of a server or a benchmark loop: one block of a file from
// an explicit offset, no headers or trailers. On a prepared pair it needs no system call
// before the native call.
bool is_quick(const sfb_request& in) {
    return in.header_count == 0 && in.trailer_count == 0 && in.nbytes > 0 &&
           (in.flags & SFB_USE_FILE_POSITION) == 0;
}

// Fills `out` from `in` once the fields and descriptors were checked: works out where the file
// part starts and how long it is. `in_st` is the file's status. Returns 0 or an errno value.
int resolve_range(const sfb_request& in, const struct stat& in_st, checked_request& out) {
    const bool use_position = (in.flags & SFB_USE_FILE_POSITION) != 0;
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

// The request as it goes to a backend without any check of the file (the quick case).
checked_request unresolved(const sfb_request& in) {
    return checked_request{in.out_fd, in.in_fd, in.offset, false, in.nbytes, {}, {}, in.flags};
}

// Every check, as sfb_sendfile() makes them: the fields, the descriptors, the range.
int check_request(const sfb_request& in, checked_request& out) {
    if (int e = check_fields(in); e != 0) {
        return e;
    }
    struct stat in_st {};
    if (int e = check_descriptors(in.out_fd, in.in_fd, in_st); e != 0) {
        return e;
    }
    return resolve_range(in, in_st, out);
}

// The checks for a prepared pair: the fields, that the request names the pair, and the range
// (with one fstat()) unless the request is the quick case.
int check_prepared_request(const sfb_prepared& pair, const sfb_request& in, checked_request& out) {
    if (int e = check_fields(in); e != 0) {
        return e;
    }
    if (pair.state != kPrepared || pair.out_fd != in.out_fd || pair.in_fd != in.in_fd) {
        return EINVAL;
    }
    if (is_quick(in)) {
        out = unresolved(in);
        return 0;
    }
    struct stat in_st {};
    if (::fstat(in.in_fd, &in_st) != 0) {
        return EBADF;
    }
    return resolve_range(in, in_st, out);
}

// a + b, or UINT64_MAX where that does not fit.
std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) {
    return b > UINT64_MAX - a ? UINT64_MAX : a + b;
}

std::uint64_t total_size(std::span<const sfb_buffer> buffers) {
    std::uint64_t total = 0;
    for (const sfb_buffer& b : buffers) {
        total = saturating_add(total, b.size);
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
// A count that would put the file part past the largest offset a file can have is EINVAL:
// no earlier call can have sent it.
int apply_already_sent(std::uint64_t already_sent, checked_request& req,
                       std::vector<sfb_buffer>& header_storage,
                       std::vector<sfb_buffer>& trailer_storage) {
    if (already_sent == 0) {
        return 0;
    }
    const std::uint64_t total = saturating_add(saturating_add(total_size(req.headers), req.nbytes),
                                               total_size(req.trailers));
    if (already_sent > total) {
        return EINVAL;
    }
    std::uint64_t left = skip_buffers(req.headers, already_sent, header_storage);
    const std::uint64_t file_skip = left < req.nbytes ? left : req.nbytes;
    if (file_skip > static_cast<std::uint64_t>(INT64_MAX - req.offset)) {
        return EINVAL;
    }
    req.offset += static_cast<std::int64_t>(file_skip);
    req.nbytes -= file_skip;
    left -= file_skip;
    skip_buffers(req.trailers, left, trailer_storage);
    return 0;
}

// Sends a checked request: natively where the backend can, else (or when the native call
// refuses the descriptors before any byte went out) through the emulation. `explain`, given
// for a request that skipped the file checks, runs them when the native call failed without
// sending a byte, so the error is the one the full checks would have given.
template <class Explain>
sfb_result send_checked(const checked_request& req, Explain explain) {
    const bool native_can =
        (sfb_capabilities() & SFB_CAP_NATIVE) != 0 &&
        (!req.use_file_position || (sfb_capabilities() & SFB_CAP_FILE_POSITION) != 0);
    if (!native_can || (req.flags & SFB_FORCE_EMULATION) != 0) {
        return sfb::detail::emulated_send(req);
    }
    sfb_result result = sfb::detail::native_send(req);
    if (result.error != 0 && result.error != EAGAIN && result.bytes_sent == 0) {
        if (const int check_error = explain(); check_error != 0) {
            result = sfb_result{};
            result.error = check_error;
            return result;
        }
    }
    if (result.bytes_sent == 0 && sfb::detail::refused_by_native(result.error)) {
        result = sfb::detail::emulated_send(req);
    }
    return result;
}

// The one path behind sfb_sendfile() and sfb_sendfile_prepared(): `pair` is NULL for the
// former, which checks everything.
int send_request(const sfb_prepared* pair, const sfb_request* request, sfb_result* result) {
    if (result == nullptr) {
        errno = EINVAL;
        return EINVAL;
    }
    *result = sfb_result{};
    if (request == nullptr) {
        result->error = EINVAL;
        errno = EINVAL;
        return EINVAL;
    }
    checked_request req{};
    std::vector<sfb_buffer> header_storage;
    std::vector<sfb_buffer> trailer_storage;
    const bool quick = pair != nullptr && is_quick(*request);
    result->error = pair == nullptr ? check_request(*request, req)
                                    : check_prepared_request(*pair, *request, req);
    if (result->error == 0) {
        result->error =
            apply_already_sent(request->already_sent, req, header_storage, trailer_storage);
    }
    if (result->error == 0) {
        *result = send_checked(req, [&] {
            checked_request full{};
            return quick ? check_request(*request, full) : 0;
        });
    }
    errno = result->error;
    return result->error;
}

}  // namespace

extern "C" int sfb_sendfile(const sfb_request* request, sfb_result* result) {
    return send_request(nullptr, request, result);
}

extern "C" int sfb_prepare(int out_fd, int in_fd, sfb_prepared* prepared) {
    if (prepared == nullptr) {
        errno = EINVAL;
        return EINVAL;
    }
    *prepared = sfb_prepared{out_fd, in_fd, 0, 0};
    struct stat in_st {};
    const int error = check_descriptors(out_fd, in_fd, in_st);
    if (error == 0) {
        prepared->state = kPrepared;
    }
    errno = error;
    return error;
}

extern "C" int sfb_sendfile_prepared(const sfb_prepared* prepared, const sfb_request* request,
                                     sfb_result* result) {
    if (prepared == nullptr) {
        if (result != nullptr) {
            *result = sfb_result{};
            result->error = EINVAL;
        }
        errno = EINVAL;
        return EINVAL;
    }
    return send_request(prepared, request, result);
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
    return sfb::detail::native_backend.name;
}

extern "C" int sfb_capabilities(void) {
    return sfb::detail::native_backend.capabilities;
}

extern "C" const char* sfb_version(void) {
    return SFB_VERSION;
}
