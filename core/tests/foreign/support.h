// Plumbing for the foreign backends' tests: TCP connections, unlinked temporary files,
// requests built from lists of strings, a receiver thread that keeps every byte, and a sender
// that resumes after EAGAIN/EBUSY the way a caller of sfb_sendfile() would. Everything is real:
// real files, real TCP connections over 127.0.0.1 and real Unix socket pairs. The owned
// descriptor, Unix socket pairs and the SIGPIPE set-ups are the core tests' own
// (../test_support.h).
#pragma once

#include <sfb/sendfile.h>

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "../test_support.h"

namespace sfb::foreign {

using sfb::unique_fd;
using socket_pair = sfb::test::fd_pair;
using sfb::test::sigpipe_setup;

// A TCP connection over 127.0.0.1.
socket_pair tcp_pair();

// An unlinked temporary file holding `content`, open for reading.
unique_fd temp_file(std::string_view content);

// `size` bytes from a seeded generator: a wrong offset or a byte sent twice shows.
std::string random_bytes(std::size_t size, unsigned seed);

std::string concat(const std::vector<std::string>& parts);
std::vector<sfb_buffer> buffers(const std::vector<std::string>& parts);

// A request for `nbytes` of `in_fd` from `offset` to `out_fd`, with these header and trailer
// buffers (which must outlive it).
sfb_request make_request(int out_fd, int in_fd, std::int64_t offset, std::uint64_t nbytes,
                         std::span<const sfb_buffer> headers, std::span<const sfb_buffer> trailers,
                         int flags);

// Reads from its socket on its own thread until end of stream, keeping every byte; with
// `close_after`, closes the socket once that many bytes arrived (the peer going away).
class receiver {
  public:
    struct options {
        std::uint64_t close_after = UINT64_MAX;
        // Waits this long before the first read, then reads in small pieces: the sender's
        // socket fills up.
        std::chrono::milliseconds slow_start{0};
    };
    explicit receiver(unique_fd socket) : receiver(std::move(socket), options{}) {}
    receiver(unique_fd socket, options opts);
    receiver(const receiver&) = delete;
    receiver& operator=(const receiver&) = delete;
    ~receiver();

    // Waits for the end of the stream (the sender shut down or closed) and returns what came.
    std::string finish();

  private:
    void run(options opts);

    unique_fd socket_;
    std::string received_;
    std::thread thread_;
};

// Sends everything with sfb_sendfile(), calling again after EAGAIN (once poll() says the socket
// takes more) and EBUSY, each time with what was left, as an application would.
struct resumed_send {
    std::uint64_t bytes_sent = 0;
    std::uint64_t file_bytes = 0;
    int error = 0;                   // of the last call
    std::vector<int> resumed_after;  // the error of every call that was resumed
    bool always_native = true;       // every call used the native backend
};
resumed_send send_resuming(int out_fd, int in_fd, std::int64_t offset, std::uint64_t nbytes,
                           const std::vector<std::string>& headers,
                           const std::vector<std::string>& trailers, int flags = 0);

}  // namespace sfb::foreign
