// The harness's descriptors and raw I/O: a descriptor closed when its scope ends, and the one
// EINTR retry loop that every read, write and wait of the harness goes through (sfb installs
// a Ctrl-C handler, process.cpp, so any blocking call can be interrupted).
#pragma once

#include <unistd.h>
#include <cerrno>
#include <functional>
#include <string_view>
#include <utility>

namespace sfb::harness {

// The result of call(), called again for as long as it fails with EINTR.
template <class Call>
auto retry_on_eintr(Call call) {
    auto result = call();
    while (result < 0 && errno == EINTR) {
        result = call();
    }
    return result;
}

// A descriptor closed when the scope that opened it ends. It is never moved or handed on:
// every descriptor the harness opens is used up in the function that opened it.
class scoped_fd {
  public:
    explicit scoped_fd(int fd) noexcept : fd_(fd) {}
    ~scoped_fd() { close_now(); }
    scoped_fd(const scoped_fd&) = delete;
    scoped_fd& operator=(const scoped_fd&) = delete;

    int get() const noexcept { return fd_; }
    bool valid() const noexcept { return fd_ >= 0; }
    // close(2) is not retried: on Linux the descriptor is gone even when it reports EINTR.
    void close_now() noexcept {
        if (fd_ >= 0) {
            ::close(std::exchange(fd_, -1));
        }
    }

  private:
    int fd_;
};

// Reads `fd` to its end, handing each chunk to on_chunk (which may throw to stop early).
// 0 at the end of the file, else the errno of the read that failed.
int read_to_end(int fd, const std::function<void(std::string_view)>& on_chunk);

// Writes all of `data` to `fd`: 0, else the errno of the write that failed.
int write_all(int fd, std::string_view data);

}  // namespace sfb::harness
