// The portable emulation: pread() + send(), used on systems without a native call, when a
// caller asks for it (SFB_FORCE_EMULATION), and as the fallback when the native call refuses
// the descriptors. Its loops also serve the native backends for headers and trailers.
//
// Error rule (as in libuv's uv__fs_sendfile_emul): whatever went out is counted even when an
// error follows; a read that returns 0 while bytes are still owed is the end of the file
// (ENODATA), never a reason to spin. Every send but the request's last carries MSG_MORE, so
// a call that ends early pushes out what that flag held back.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstddef>

#include "backend.h"

namespace sfb::detail {

int no_sigpipe_flag() {
#ifdef MSG_NOSIGNAL
    return MSG_NOSIGNAL;
#else
    return 0;  // macOS and older BSDs: the dispatcher sets SO_NOSIGPIPE on the socket instead.
#endif
}

void push_held_bytes([[maybe_unused]] int fd) {
#if defined(MSG_MORE) && defined(TCP_CORK)
    // Clearing TCP_CORK pushes pending partial segments, also those MSG_MORE held (tcp(7)).
    int corked = 0;
    socklen_t len = sizeof corked;
    if (::getsockopt(fd, IPPROTO_TCP, TCP_CORK, &corked, &len) == 0 && corked == 0) {
        (void)::setsockopt(fd, IPPROTO_TCP, TCP_CORK, &corked, sizeof corked);
    }
#endif
}

namespace {

int more_flag(bool more) {
#ifdef MSG_MORE
    return more ? MSG_MORE : 0;
#else
    (void)more;
    return 0;
#endif
}

// sendmsg() takes at most IOV_MAX entries; a small fixed batch keeps this off the heap.
constexpr std::size_t kIovBatch = 64;

}  // namespace

int send_buffers(int fd, std::span<const sfb_buffer> buffers, bool more, std::uint64_t& sent) {
    std::size_t index = 0;
    std::size_t skip = 0;  // bytes of buffers[index] that already went out
    while (index < buffers.size()) {
        std::array<iovec, kIovBatch> iov{};
        const std::size_t count = fill_iovecs(buffers.subspan(index), skip, iov);
        if (count == 0) {
            return 0;  // only empty buffers were left
        }
        msghdr msg{};
        msg.msg_iov = iov.data();
        msg.msg_iovlen = count;
        const ssize_t n = retry_on_eintr(
            [&] { return ::sendmsg(fd, &msg, no_sigpipe_flag() | more_flag(more)); });
        if (n < 0) {
            return errno;
        }
        sent += static_cast<std::uint64_t>(n);
        auto left = static_cast<std::size_t>(n);
        while (index < buffers.size() && left >= buffers[index].size - skip) {
            left -= buffers[index].size - skip;
            skip = 0;
            ++index;
        }
        skip += left;
    }
    return 0;
}

int emulated_file_range(int out_fd, int in_fd, std::int64_t offset, bool use_file_position,
                        std::uint64_t count, bool more, std::uint64_t& sent) {
    // The file position is read once and set once per chunk sent, never advanced past what
    // went out, so a call cut short by EAGAIN resumes at the right byte.
    if (use_file_position) {
        const off_t pos = ::lseek(in_fd, 0, SEEK_CUR);
        if (pos < 0) {
            return errno;
        }
        offset = pos;
    }
    constexpr std::size_t kChunk = 128 * 1024;
    thread_local std::array<char, kChunk> chunk;
    std::uint64_t done = 0;
    int error = 0;
    while (done < count) {
        const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(count - done, kChunk));
        const ssize_t got = retry_on_eintr(
            [&] { return ::pread(in_fd, chunk.data(), want, static_cast<off_t>(offset)); });
        if (got < 0) {
            error = errno;
            break;
        }
        if (got == 0) {
            error = ENODATA;  // the file ended while bytes were still owed
            break;
        }
        std::size_t put = 0;
        while (put < static_cast<std::size_t>(got)) {
            const bool last = done + static_cast<std::uint64_t>(got) >= count;
            const ssize_t n = retry_on_eintr([&] {
                return ::send(out_fd, chunk.data() + put, static_cast<std::size_t>(got) - put,
                              no_sigpipe_flag() | more_flag(more || !last));
            });
            if (n < 0) {
                error = errno;
                break;
            }
            put += static_cast<std::size_t>(n);
        }
        done += put;
        offset += static_cast<std::int64_t>(put);
        if (error != 0) {
            break;
        }
    }
    sent += done;
    if (use_file_position && ::lseek(in_fd, static_cast<off_t>(offset), SEEK_SET) < 0 &&
        error == 0) {
        error = errno;
    }
    return error;
}

sfb_result emulated_send(const checked_request& req) {
    sfb_result out{};
    const bool file_follows = req.nbytes > 0;
    const bool trailers_follow = !req.trailers.empty();
    out.error =
        send_buffers(req.out_fd, req.headers, file_follows || trailers_follow, out.bytes_sent);
    if (out.error == 0) {
        out.error = emulated_file_range(req.out_fd, req.in_fd, req.offset, req.use_file_position,
                                        req.nbytes, trailers_follow, out.file_bytes);
        out.bytes_sent += out.file_bytes;
    }
    if (out.error == 0) {
        out.error = send_buffers(req.out_fd, req.trailers, false, out.bytes_sent);
    }
    if (out.error != 0 && out.bytes_sent > 0) {
        push_held_bytes(req.out_fd);
    }
    return out;
}

}  // namespace sfb::detail
