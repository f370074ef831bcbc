// Helpers shared by the test files: which backend a parameterised test runs against, the
// fixture such tests share, checks of what a receiver got, and reading a socket to its end.
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

#include "test_support.h"

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

// A test run against both backends (INSTANTIATE_TEST_SUITE_P with backend_test_name), with a
// temporary directory for its files.
class backend_test : public ::testing::TestWithParam<backend> {
  protected:
    int backend_flags() const { return flags_for(GetParam()); }
    temp_dir dir_;
};

// Closes the sending side `out` and checks that `receiver` saw the end of the stream and not
// one byte before it.
inline void expect_nothing_arrived(unique_fd& out, loopback_receiver& receiver) {
    out.reset();
    ASSERT_TRUE(receiver.wait_until_done());
    EXPECT_EQ(receiver.bytes_received(), 0U);
}

// Where a block loop stopped: the offset it reached and the call that ended it.
struct block_loop_end {
    std::int64_t offset = 0;
    result last;
};

// Sends `req` (out_fd, in_fd, flags set; from req.offset) in `block`-byte calls made with
// `send` until one fails (ENODATA at the end of the file), adding each call's file bytes to
// the offset; `check` sees every call that succeeded.
template <class Send, class Check>
block_loop_end send_blocks(request req, std::uint64_t block, Send send, Check check) {
    req.nbytes = block;
    for (;;) {
        const result r = send(req);
        req.offset += static_cast<std::int64_t>(r.file_bytes);
        if (r.error != 0) {
            return {req.offset, r};
        }
        check(r);
    }
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

}  // namespace sfb::test
