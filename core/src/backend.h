// The interface between the dispatcher (sendfile.cpp) and the per-OS backends. Exactly one
// native backend file is compiled into the library, chosen by core/CMakeLists.txt; the
// emulation (emulated.cpp) is always compiled in.
#pragma once

#include <sfb/retry.h>
#include <sfb/sendfile.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <span>

namespace sfb::detail {

// A request after the dispatcher checked it: the descriptors are valid, `in_fd` is a regular
// file, `offset` is non-negative (or the file position is used) and `nbytes` is the exact
// number of file bytes wanted (never the "0 means to EOF" form).
struct checked_request {
    int out_fd;
    int in_fd;
    std::int64_t offset;
    bool use_file_position;
    std::uint64_t nbytes;
    std::span<const sfb_buffer> headers;
    std::span<const sfb_buffer> trailers;
    int flags;
};

// What a backend is called (sfb_backend_name()) and what it can do (SFB_CAP_* bits,
// sfb_capabilities()).
struct backend_info {
    const char* name;
    int capabilities;
};

// The native backend's; each backend file defines it.
extern const backend_info native_backend;

// Whether `error` from the native call means "these descriptors are not for me" rather than a
// failure of the transfer: EINVAL, ENOSYS, ENOTSOCK or EOPNOTSUPP. Before any byte went out
// the emulation then sends the request instead (libuv's, nginx's and CPython's rule). The one
// place this rule is written: the dispatcher (sendfile.cpp) and after_call()
// (backend_common.h) both ask it.
bool refused_by_native(int error);

// Sends the whole request with the OS's own call. Returns an error of EINVAL, ENOSYS,
// ENOTSOCK or EOPNOTSUPP with nothing sent when the call refuses these descriptors; the
// dispatcher then falls back to the emulation.
sfb_result native_send(const checked_request& req);

// The portable pread()+send() loop, complete with headers and trailers.
sfb_result emulated_send(const checked_request& req);

// Building blocks shared by the backends (emulated.cpp).

// Every system call loop of the library retries EINTR through sfb::retry_on_eintr, the
// suite's one rule (<sfb/retry.h>, common/: header-only, so the library links nothing of it).

// Fills `iov` with the non-empty buffers of `buffers`, leaving out the first `skip` bytes of
// buffers[0]; stops when `iov` is full. Returns how many entries it filled. The one place a
// buffer list becomes iovecs: sendmsg() in the emulation, sf_hdtr on FreeBSD and macOS.
inline std::size_t fill_iovecs(std::span<const sfb_buffer> buffers, std::size_t skip,
                               std::span<iovec> iov) {
    std::size_t count = 0;
    for (std::size_t i = 0; i < buffers.size() && count < iov.size(); ++i) {
        const std::size_t start = i == 0 ? skip : 0;
        if (buffers[i].size == start) {
            continue;
        }
        iov[count].iov_base = const_cast<char*>(static_cast<const char*>(buffers[i].data) + start);
        iov[count].iov_len = buffers[i].size - start;
        ++count;
    }
    return count;
}

// Sends every byte of `buffers` with sendmsg(), retrying EINTR and short sends, adding what
// went out to `sent`. `more` asks for MSG_MORE where the OS has it (more data follows).
// Returns 0 or an errno value (EAGAIN on a full non-blocking socket).
int send_buffers(int fd, std::span<const sfb_buffer> buffers, bool more, std::uint64_t& sent);

// The emulation's file loop alone: sends `count` bytes of `in_fd` from `offset` (or from the
// file position, advancing it) with pread()/read() and send(), adding file bytes that went
// out to `sent`. Returns 0, ENODATA when the file ended early, or an errno value.
int emulated_file_range(int out_fd, int in_fd, std::int64_t offset, bool use_file_position,
                        std::uint64_t count, bool more, std::uint64_t& sent);

// The flag that keeps send() from raising SIGPIPE where the OS has one (MSG_NOSIGNAL), else 0.
int no_sigpipe_flag();

// Sends at once the bytes that MSG_MORE held back when a call ends early (its last send, the
// one without MSG_MORE, never happened); a socket the caller corked stays corked.
void push_held_bytes(int fd);

}  // namespace sfb::detail
