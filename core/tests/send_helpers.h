// Helpers shared by the test files: which backend a parameterised test runs against, and a
// caller's view of a request that has to be resumed after a partial send.
#pragma once

#include <gtest/gtest.h>
#include <sfb/sendfile.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include <sfb/sendfile.hpp>

namespace sfb::test {

enum class backend { native, emulated };

inline int flags_for(backend b) {
    return b == backend::emulated ? SFB_FORCE_EMULATION : 0;
}

// How gtest prints the parameter (in test listings and so in ctest's names).
inline void PrintTo(backend b, std::ostream* os) {
    *os << (b == backend::native ? "native" : "emulated");
}

inline std::string backend_test_name(const ::testing::TestParamInfo<backend>& info) {
    return info.param == backend::native ? "native" : "emulated";
}

// Reads a socket until end of stream (the peer closed it).
inline std::string read_all(int fd) {
    std::string out;
    char buf[65536];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return out;
        }
        out.append(buf, static_cast<std::size_t>(n));
    }
}

// What is still to be sent of a request, as a caller resuming after EAGAIN keeps it: the
// result's bytes_sent covers headers, then file bytes, then trailers, in that order, so the
// split is always known.
class pending_send {
  public:
    pending_send(std::vector<std::string> headers, int in_fd, std::int64_t offset,
                 std::uint64_t nbytes, std::vector<std::string> trailers)
        : headers_(std::move(headers)),
          trailers_(std::move(trailers)),
          in_fd_(in_fd),
          offset_(offset),
          nbytes_(nbytes) {}

    // The bytes still owed.
    std::uint64_t left() const {
        return header_total() - header_skip_ + nbytes_ + trailer_total() - trailer_skip_;
    }

    // The request for what is left. Once the file part is done, nbytes is 0 and the offset is
    // `file_end`: nbytes 0 means "to the end of the file", so the file part is then empty.
    request next(int out_fd, int flags, std::int64_t file_end) {
        header_view_.clear();
        trailer_view_.clear();
        std::uint64_t skip = header_skip_;
        for (const auto& h : headers_) {
            const auto drop = std::min<std::uint64_t>(skip, h.size());
            skip -= drop;
            header_view_.push_back(buffer{h.data() + drop, h.size() - drop});
        }
        skip = trailer_skip_;
        for (const auto& t : trailers_) {
            const auto drop = std::min<std::uint64_t>(skip, t.size());
            skip -= drop;
            trailer_view_.push_back(buffer{t.data() + drop, t.size() - drop});
        }
        request req;
        req.out_fd = out_fd;
        req.in_fd = in_fd_;
        req.offset = nbytes_ == 0 ? file_end : offset_;
        req.nbytes = nbytes_;
        req.headers = header_view_;
        req.trailers = trailer_view_;
        req.flags = flags;
        return req;
    }

    // Accounts for what one call sent.
    void consume(const result& r) {
        const std::uint64_t header_left = header_total() - header_skip_;
        const std::uint64_t from_headers = std::min(r.bytes_sent - r.file_bytes, header_left);
        header_skip_ += from_headers;
        trailer_skip_ += r.bytes_sent - r.file_bytes - from_headers;
        offset_ += static_cast<std::int64_t>(r.file_bytes);
        nbytes_ -= r.file_bytes;
    }

    bool done() const { return left() == 0; }

  private:
    std::uint64_t header_total() const {
        std::uint64_t n = 0;
        for (const auto& h : headers_)
            n += h.size();
        return n;
    }
    std::uint64_t trailer_total() const {
        std::uint64_t n = 0;
        for (const auto& t : trailers_)
            n += t.size();
        return n;
    }

    std::vector<std::string> headers_;
    std::vector<std::string> trailers_;
    int in_fd_;
    std::int64_t offset_;
    std::uint64_t nbytes_;
    std::uint64_t header_skip_ = 0;
    std::uint64_t trailer_skip_ = 0;
    std::vector<buffer> header_view_;
    std::vector<buffer> trailer_view_;
};

}  // namespace sfb::test
