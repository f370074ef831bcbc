// Helpers shared by the test files: which backend a parameterised test runs against, the
// fixture such tests share, and checks of what a receiver got.
#pragma once

#include <gtest/gtest.h>
#include <sfb/sendfile.h>

#include <cstdint>
#include <ostream>
#include <span>
#include <string>

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

    // Sends `in_fd` from `offset` (`nbytes` of it, 0: to the end of the file) between `headers`
    // and `trailers` to `out_fd`, on this test's backend.
    result send_framed(int out_fd, int in_fd, std::span<const buffer> headers,
                       std::span<const buffer> trailers, std::int64_t offset = 0,
                       std::uint64_t nbytes = 0) const {
        return send_file({.out_fd = out_fd,
                          .in_fd = in_fd,
                          .offset = offset,
                          .nbytes = nbytes,
                          .headers = headers,
                          .trailers = trailers,
                          .flags = backend_flags()});
    }

    // Sends `req` on this test's backend over a fresh connection to `receiver`, then closes the
    // connection and waits until the receiver saw its end; returns the call's result.
    result send_over(loopback_receiver& receiver, request req) const {
        unique_fd out = receiver.connect_sender();
        req.out_fd = out.get();
        req.flags |= backend_flags();
        const result r = send_file(req);
        out.reset();
        EXPECT_TRUE(receiver.wait_until_done()) << "the receiver never saw the end";
        EXPECT_EQ(receiver.failure(), "");
        return r;
    }

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

}  // namespace sfb::test
