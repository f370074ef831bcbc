// A file descriptor that closes itself, so every path (including the ones that fail half-way
// through a setup) releases what it opened. The one owning descriptor of the whole suite:
// bench_sendfile, sfb-sink, sfb and the tests all use this one.
#pragma once

#include <unistd.h>

#include <utility>

namespace sfb {

class unique_fd {
  public:
    unique_fd() = default;
    explicit unique_fd(int fd) noexcept : fd_(fd) {}
    ~unique_fd() { reset(); }
    unique_fd(const unique_fd&) = delete;
    unique_fd& operator=(const unique_fd&) = delete;
    unique_fd(unique_fd&& other) noexcept : fd_(other.release()) {}
    unique_fd& operator=(unique_fd&& other) noexcept {
        if (this != &other) {
            reset(other.release());
        }
        return *this;
    }

    int get() const noexcept { return fd_; }
    explicit operator bool() const noexcept { return fd_ >= 0; }
    // Gives the descriptor up without closing it; the caller closes it.
    int release() noexcept { return std::exchange(fd_, -1); }
    // close(2) is never retried: on Linux the descriptor is gone even when it reports EINTR.
    void reset(int fd = -1) noexcept {
        if (fd_ >= 0) {
            ::close(fd_);
        }
        fd_ = fd;
    }

  private:
    int fd_ = -1;
};

}  // namespace sfb
