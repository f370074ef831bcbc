// The core library's cases from pysendfile's suite and CPython's (listed in core/README.md, Tests),
// each run against both backends: Linux's native sendfile(2) and the pread()+send() emulation
// (SFB_FORCE_EMULATION). Real files, real loopback sockets; no system call is mocked.
#include <fcntl.h>
#include <gtest/gtest.h>
#ifdef __linux__
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#endif
#include <poll.h>
#include <sfb/sendfile.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <string>
#include <vector>

#include <sfb/sendfile.hpp>

#include "send_helpers.h"
#include "test_support.h"

namespace sfb::test {
namespace {

class SendfileTest : public backend_test {
  protected:
    // Sends one request over a fresh connection, closes it and returns the call's result;
    // what arrived is then in receiver_.
    result send_once(const request& req) { return send_over(receiver_, req); }

    // send_once with `req` reading a fresh file that holds exactly `content`.
    result send_content(std::string_view content, request req = {}) {
        unique_fd in = open_file(dir_.write_file("data", content));
        req.in_fd = in.get();
        return send_once(req);
    }

    // The native call runs unless emulation was forced or the build has no native call.
    void expect_backend(const result& r) const {
        const bool native = GetParam() == backend::native && has_capability(SFB_CAP_NATIVE);
        EXPECT_EQ(r.used_native, native ? 1 : 0);
    }

    loopback_receiver receiver_;
};

// Case 1: the whole file in 4 KiB chunks; the offsets and totals agree and every byte arrives.
TEST_P(SendfileTest, WholeFileInSmallChunks) {
    constexpr std::size_t kSize = 10 * 1024 * 1024;
    const auto path = dir_.pattern_file("data", kSize);
    unique_fd in = open_file(path);
    unique_fd out = receiver_.connect_sender();

    std::uint64_t total = 0;
    const block_loop_end end = send_blocks(
        {.out_fd = out.get(), .in_fd = in.get(), .flags = backend_flags()}, 4096,
        [](const request& req) { return send_file(req); },
        [&](const result& r) {
            EXPECT_EQ(r.bytes_sent, 4096U);
            EXPECT_EQ(r.file_bytes, r.bytes_sent);
            expect_backend(r);
            total += r.bytes_sent;
        });
    ASSERT_EQ(end.last.error, ENODATA) << "at offset " << end.offset;
    EXPECT_EQ(end.last.bytes_sent, 0U) << "the end of the file is 0 bytes";
    EXPECT_EQ(total, kSize);
    EXPECT_EQ(end.offset, static_cast<std::int64_t>(kSize));
    out.reset();
    ASSERT_TRUE(receiver_.wait_until_done());
    EXPECT_EQ(receiver_.bytes_received(), kSize);
    EXPECT_TRUE(receiver_.received() == pattern(0, kSize)) << "content differs";
}

// Case 2: from an offset in the middle (unaligned), up to the end.
TEST_P(SendfileTest, FromAnOffset) {
    constexpr std::size_t kSize = 1024 * 1024;
    constexpr std::size_t kOffset = kSize / 2 + 123;
    unique_fd in = open_file(dir_.pattern_file("data", kSize));
    const result r = send_once({.in_fd = in.get(), .offset = kOffset, .nbytes = kSize - kOffset});
    EXPECT_EQ(r.error, 0);
    EXPECT_EQ(r.bytes_sent, kSize - kOffset);
    expect_backend(r);
    EXPECT_TRUE(receiver_.received() == pattern(kOffset, kSize - kOffset));
}

// Case 3: a 512-byte header, then CPython's two buffers of 512 + 256.
TEST_P(SendfileTest, OneHeader) {
    const std::string header(512, 'h');
    const std::string file = pattern(0, 100000);
    unique_fd in = open_file(dir_.write_file("data", file));
    const std::array headers{as_buffer(header)};
    const result r = send_once({.in_fd = in.get(), .nbytes = file.size(), .headers = headers});
    EXPECT_EQ(r.error, 0);
    EXPECT_EQ(r.bytes_sent, header.size() + file.size());
    EXPECT_EQ(r.file_bytes, file.size());
    EXPECT_EQ(receiver_.received(), header + file);
}

TEST_P(SendfileTest, TwoHeaderBuffers) {
    const std::string first(512, 'x');
    const std::string second(256, 'y');
    const std::string file = pattern(0, 100000);
    unique_fd in = open_file(dir_.write_file("data", file));
    const std::array headers{as_buffer(first), as_buffer(second)};
    const result r =
        send_once({.in_fd = in.get(), .headers = headers});  // nbytes 0: the whole file
    EXPECT_EQ(r.error, 0);
    EXPECT_EQ(r.bytes_sent, first.size() + second.size() + file.size());
    EXPECT_EQ(receiver_.received(), first + second + file);
}

// Case 4: file "abcde" and trailer "12345"; then two trailer buffers.
TEST_P(SendfileTest, OneTrailer) {
    unique_fd in = open_file(dir_.write_file("data", "abcde"));
    const std::array trailers{as_buffer("12345")};
    const result r = send_once({.in_fd = in.get(), .nbytes = 5, .trailers = trailers});
    EXPECT_EQ(r.error, 0);
    EXPECT_EQ(r.bytes_sent, 10U);
    EXPECT_EQ(r.file_bytes, 5U);
    EXPECT_EQ(receiver_.received(), "abcde12345");
}

TEST_P(SendfileTest, TwoTrailerBuffers) {
    unique_fd in = open_file(dir_.write_file("data", "abcde"));
    const std::array trailers{as_buffer("12345"), as_buffer("67890")};
    const result r = send_once({.in_fd = in.get(), .trailers = trailers});
    EXPECT_EQ(r.error, 0);
    EXPECT_EQ(r.bytes_sent, 15U);
    EXPECT_EQ(receiver_.received(), "abcde1234567890");
}

// Several headers and trailers together, with an empty buffer in each list.
TEST_P(SendfileTest, HeadersAndTrailersTogether) {
    const std::string file = pattern(0, 300000);
    unique_fd in = open_file(dir_.write_file("data", file));
    const std::array headers{as_buffer("GET "), as_buffer(""), as_buffer("/x HTTP/1.0\r\n\r\n")};
    const std::array trailers{as_buffer("--"), as_buffer("end"), as_buffer("")};
    const result r = send_once({.in_fd = in.get(),
                                .offset = 1000,
                                .nbytes = 200000,
                                .headers = headers,
                                .trailers = trailers});
    EXPECT_EQ(r.error, 0);
    EXPECT_EQ(r.file_bytes, 200000U);
    EXPECT_EQ(r.bytes_sent, 4 + 15 + 200000 + 5U);
    expect_backend(r);
    EXPECT_TRUE(receiver_.received() ==
                "GET /x HTTP/1.0\r\n\r\n" + file.substr(1000, 200000) + "--end");
}

// `already_sent` resumes a request anywhere: inside a header, inside the file part, at the
// very end of the file part (nbytes 0 must not mean "the whole file again" there), inside a
// trailer, and at the end (nothing left to send).
TEST_P(SendfileTest, AlreadySentResumesAnywhere) {
    const std::string file = pattern(0, 100000);
    unique_fd in = open_file(dir_.write_file("data", file));
    const std::array headers{as_buffer("HEAD"), as_buffer("ER|")};
    const std::array trailers{as_buffer("|TRAIL"), as_buffer("ER")};
    // nbytes 90000 from offset 10, then nbytes 0: to the end of the file (99990 bytes).
    for (const std::uint64_t file_part : {std::uint64_t{90000}, std::uint64_t{99990}}) {
        const std::string whole = "HEADER|" + file.substr(10, file_part) + "|TRAILER";
        for (const std::uint64_t skip :
             {std::uint64_t{2}, std::uint64_t{7}, std::uint64_t{5000}, 7 + file_part,
              7 + file_part + 3, std::uint64_t{whole.size()}}) {
            loopback_receiver receiver;
            unique_fd out = receiver.connect_sender();
            const result r = send_file({.out_fd = out.get(),
                                        .in_fd = in.get(),
                                        .offset = 10,
                                        .nbytes = file_part == 90000 ? 90000U : 0U,
                                        .headers = headers,
                                        .trailers = trailers,
                                        .flags = backend_flags(),
                                        .already_sent = skip});
            out.reset();
            ASSERT_TRUE(receiver.wait_until_done());
            const std::string where =
                "file part " + std::to_string(file_part) + ", skip " + std::to_string(skip);
            EXPECT_EQ(r.error, 0) << where;
            EXPECT_EQ(r.bytes_sent, whole.size() - skip) << where;
            EXPECT_TRUE(receiver.received() == whole.substr(skip)) << where;
        }
    }
}

// More than the request holds, or a resume of a request that moves the file position, is a
// caller's mistake: EINVAL, nothing sent.
TEST_P(SendfileTest, AlreadySentOutOfRange) {
    unique_fd in = open_file(dir_.write_file("data", "abcdefg"));
    const std::array headers{as_buffer("hh")};
    unique_fd out = receiver_.connect_sender();
    request req{.out_fd = out.get(),
                .in_fd = in.get(),
                .headers = headers,
                .flags = backend_flags(),
                .already_sent = 2 + 7 + 1};
    result r = send_file(req);
    EXPECT_EQ(r.error, EINVAL);
    EXPECT_EQ(r.bytes_sent, 0U);
    req.already_sent = 1;
    req.flags |= SFB_USE_FILE_POSITION;
    r = send_file(req);
    EXPECT_EQ(r.error, EINVAL);
    out.reset();
    ASSERT_TRUE(receiver_.wait_until_done());
    EXPECT_EQ(receiver_.received(), "");
}

// More header buffers than one sendmsg() batch holds (the library batches 64 at a time).
TEST_P(SendfileTest, ManyHeaderAndTrailerBuffers) {
    std::vector<std::string> parts;
    std::string expected_headers;
    std::string expected_trailers;
    for (int i = 0; i < 300; ++i) {
        parts.push_back(std::to_string(i) + (i % 7 == 0 ? "" : ","));
    }
    std::vector<buffer> headers;
    std::vector<buffer> trailers;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        (i < 150 ? headers : trailers).push_back(as_buffer(parts[i]));
        (i < 150 ? expected_headers : expected_trailers) += parts[i];
    }
    const result r = send_content("FILE", {.headers = headers, .trailers = trailers});
    EXPECT_EQ(r.error, 0);
    EXPECT_EQ(receiver_.received(), expected_headers + "FILE" + expected_trailers);
    EXPECT_EQ(r.bytes_sent, expected_headers.size() + 4 + expected_trailers.size());
}

// Case 5: `out` is not a socket. A read-only file as out with a write-only file as in is
// EBADF, as sendfile(2) says; a writable regular file as out is ENOTSOCK on every backend
// (Linux's sendfile would write into it, the emulation's send() could not) and is untouched.
TEST_P(SendfileTest, OutNotASocket) {
    const auto in_path = dir_.write_file("in", "some bytes");
    const auto out_path = dir_.write_file("out", "");
    unique_fd in_write_only = open_file(in_path, O_WRONLY);
    unique_fd out_read_only = open_file(out_path, O_RDONLY);
    sfb_request req{};
    req.out_fd = out_read_only.get();
    req.in_fd = in_write_only.get();
    req.nbytes = 4;
    req.flags = backend_flags();
    sfb_result r{};
    EXPECT_EQ(sfb_sendfile(&req, &r), EBADF);
    EXPECT_EQ(r.error, EBADF);
    EXPECT_EQ(errno, EBADF);
    EXPECT_EQ(r.bytes_sent, 0U);

    unique_fd in = open_file(in_path);
    unique_fd out_writable = open_file(out_path, O_WRONLY);
    req.out_fd = out_writable.get();
    req.in_fd = in.get();
    EXPECT_EQ(sfb_sendfile(&req, &r), ENOTSOCK);
    EXPECT_EQ(r.bytes_sent, 0U);
    EXPECT_EQ(std::filesystem::file_size(out_path), 0U);
}

// Case 6: nbytes 0 means "up to the end of the file", on every backend.
TEST_P(SendfileTest, NbytesZeroSendsToTheEnd) {
    const std::string file = pattern(0, 200000);
    const result r = send_content(file, {.offset = 77, .nbytes = 0});
    EXPECT_EQ(r.error, 0);
    EXPECT_EQ(r.bytes_sent, file.size() - 77);
    EXPECT_TRUE(receiver_.received() == file.substr(77));
}

// Case 8: an offset past the end returns 0 bytes and ENODATA, and nothing arrives: not even
// the headers or trailers, with a byte count or with nbytes 0.
TEST_P(SendfileTest, OffsetPastTheEnd) {
    unique_fd in = open_file(dir_.write_file("data", pattern(0, 4096)));
    const std::array headers{as_buffer("header")};
    const std::array trailers{as_buffer("trailer")};
    for (const std::uint64_t nbytes : {std::uint64_t{4096}, std::uint64_t{0}}) {
        loopback_receiver receiver;
        unique_fd out = receiver.connect_sender();
        const result r = send_framed(out.get(), in.get(), headers, trailers, 8192, nbytes);
        EXPECT_EQ(r.error, ENODATA) << "nbytes " << nbytes;
        EXPECT_EQ(r.bytes_sent, 0U);
        EXPECT_EQ(r.file_bytes, 0U);
        ASSERT_NO_FATAL_FAILURE(expect_nothing_arrived(out, receiver));
    }
}

// At the very end of the file: with a count, the file ended early (ENODATA, headers went out,
// trailers did not); with nbytes 0 there is nothing left to send, which is a success.
TEST_P(SendfileTest, OffsetAtTheEnd) {
    unique_fd in = open_file(dir_.write_file("data", "0123456789"));
    const std::array headers{as_buffer("H")};
    const std::array trailers{as_buffer("T")};
    request req{
        .in_fd = in.get(), .offset = 10, .nbytes = 5, .headers = headers, .trailers = trailers};
    const result r = send_once(req);
    EXPECT_EQ(r.error, ENODATA);
    EXPECT_EQ(r.bytes_sent, 1U);
    EXPECT_EQ(r.file_bytes, 0U);
    EXPECT_EQ(receiver_.received(), "H");

    loopback_receiver receiver;
    req.nbytes = 0;
    const result whole = send_over(receiver, req);
    EXPECT_EQ(whole.error, 0);
    EXPECT_EQ(whole.bytes_sent, 2U);
    EXPECT_EQ(receiver.received(), "HT");
}

// Case 9: a negative offset is EINVAL and sends nothing.
TEST_P(SendfileTest, NegativeOffset) {
    unique_fd in = open_file(dir_.write_file("data", "abc"));
    const std::array headers{as_buffer("header")};
    for (const std::int64_t offset : {std::int64_t{-1}, std::int64_t{INT64_MIN}}) {
        loopback_receiver receiver;
        const result r =
            send_over(receiver, {.in_fd = in.get(), .offset = offset, .headers = headers});
        EXPECT_EQ(r.error, EINVAL);
        EXPECT_EQ(r.bytes_sent, 0U);
        EXPECT_EQ(receiver.bytes_received(), 0U);
    }
}

// Cases 10 to 12: a 7-byte file; the same file from offset 4096 (past its end: nothing
// arrives); an empty file.
TEST_P(SendfileTest, SevenByteFile) {
    const result r = send_content("1234567", {.nbytes = 4096});
    EXPECT_EQ(r.error, ENODATA) << "asked for 4096, the file had 7";
    EXPECT_EQ(r.bytes_sent, 7U);
    EXPECT_EQ(receiver_.received(), "1234567");
}

TEST_P(SendfileTest, SevenByteFileWhole) {
    const result r = send_content("1234567");
    EXPECT_EQ(r.error, 0);
    EXPECT_EQ(r.bytes_sent, 7U);
    EXPECT_EQ(receiver_.received(), "1234567");
}

TEST_P(SendfileTest, SevenByteFileAtOffset4096) {
    const result r = send_content("1234567", {.offset = 4096, .nbytes = 4096});
    EXPECT_EQ(r.error, ENODATA);
    EXPECT_EQ(r.bytes_sent, 0U);
    EXPECT_EQ(receiver_.bytes_received(), 0U);
}

TEST_P(SendfileTest, EmptyFile) {
    unique_fd in = open_file(dir_.write_file("data", ""));
    const std::array trailers{as_buffer("T")};
    // nbytes 0: the whole (empty) file, then the trailer
    request req{.in_fd = in.get(), .trailers = trailers};
    const result r = send_once(req);
    EXPECT_EQ(r.error, 0);
    EXPECT_EQ(r.bytes_sent, 1U);
    EXPECT_EQ(r.file_bytes, 0U);
    EXPECT_EQ(receiver_.received(), "T");

    loopback_receiver receiver;
    req.nbytes = 4096;
    req.trailers = {};
    const result counted = send_over(receiver, req);
    EXPECT_EQ(counted.error, ENODATA);
    EXPECT_EQ(counted.bytes_sent, 0U);
}

// Case 13 and CPython's "file position checked after use": SFB_USE_FILE_POSITION sends from
// the file position and advances it, call after call, up to the end.
TEST_P(SendfileTest, FilePositionAdvancesToTheEnd) {
    constexpr std::size_t kSize = 100000;
    unique_fd in = open_file(dir_.pattern_file("data", kSize));
    ASSERT_EQ(::lseek(in.get(), 1000, SEEK_SET), 1000);
    unique_fd out = receiver_.connect_sender();
    std::uint64_t total = 0;
    int calls = 0;
    for (;; ++calls) {
        ASSERT_LT(calls, 100) << "the file position did not advance";
        const result r = send_file({.out_fd = out.get(),
                                    .in_fd = in.get(),
                                    .offset = 123456789,  // ignored with SFB_USE_FILE_POSITION
                                    .nbytes = 4096,
                                    .flags = backend_flags() | SFB_USE_FILE_POSITION});
        total += r.bytes_sent;
        EXPECT_EQ(::lseek(in.get(), 0, SEEK_CUR), static_cast<off_t>(1000 + total));
        if (r.error == ENODATA) {
            break;
        }
        ASSERT_EQ(r.error, 0);
    }
    EXPECT_EQ(total, kSize - 1000);
    EXPECT_EQ(::lseek(in.get(), 0, SEEK_CUR), static_cast<off_t>(kSize));
    out.reset();
    ASSERT_TRUE(receiver_.wait_until_done());
    EXPECT_TRUE(receiver_.received() == pattern(1000, kSize - 1000));
}

// With the file position and nbytes 0: from the position to the end, position at the end.
TEST_P(SendfileTest, FilePositionWithNbytesZero) {
    const std::string file = pattern(0, 50000);
    unique_fd in = open_file(dir_.write_file("data", file));
    ASSERT_EQ(::lseek(in.get(), 30000, SEEK_SET), 30000);
    const result r = send_once({.in_fd = in.get(), .flags = SFB_USE_FILE_POSITION});
    EXPECT_EQ(r.error, 0);
    EXPECT_EQ(r.bytes_sent, 20000U);
    EXPECT_EQ(::lseek(in.get(), 0, SEEK_CUR), 50000);
    EXPECT_TRUE(receiver_.received() == file.substr(30000));
}

// A file position past the end is ENODATA before anything is sent; the position stays.
TEST_P(SendfileTest, FilePositionPastTheEnd) {
    unique_fd in = open_file(dir_.write_file("data", "abc"));
    ASSERT_EQ(::lseek(in.get(), 100, SEEK_SET), 100);
    const std::array headers{as_buffer("header")};
    const result r =
        send_once({.in_fd = in.get(), .headers = headers, .flags = SFB_USE_FILE_POSITION});
    EXPECT_EQ(r.error, ENODATA);
    EXPECT_EQ(r.bytes_sent, 0U);
    EXPECT_EQ(receiver_.bytes_received(), 0U);
    EXPECT_EQ(::lseek(in.get(), 0, SEEK_CUR), 100);
}

// An explicit offset leaves the file position alone (CPython checks this too).
TEST_P(SendfileTest, ExplicitOffsetLeavesThePositionAlone) {
    unique_fd in = open_file(dir_.pattern_file("data", 10000));
    ASSERT_EQ(::lseek(in.get(), 42, SEEK_SET), 42);
    const result r = send_once({.in_fd = in.get(), .offset = 500, .nbytes = 5000});
    EXPECT_EQ(r.error, 0);
    EXPECT_EQ(::lseek(in.get(), 0, SEEK_CUR), 42);
    EXPECT_TRUE(receiver_.received() == pattern(500, 5000));
}

// CPython: count 1, and count 1 at an offset.
TEST_P(SendfileTest, CountOne) {
    const result r = send_content("abcdefgh", {.nbytes = 1});
    EXPECT_EQ(r.error, 0);
    EXPECT_EQ(r.bytes_sent, 1U);
    EXPECT_EQ(receiver_.received(), "a");
}

TEST_P(SendfileTest, CountOneAtAnOffset) {
    const result r = send_content("abcdefgh", {.offset = 5, .nbytes = 1});
    EXPECT_EQ(r.error, 0);
    EXPECT_EQ(r.bytes_sent, 1U);
    EXPECT_EQ(receiver_.received(), "f");
}

// Case 7 on a system without FreeBSD's flags: each one is ENOTSUP, nothing is sent.
TEST_P(SendfileTest, OsFlagsWithoutSupport) {
    if (has_capability(SFB_CAP_FLAGS)) {
        GTEST_SKIP() << "this backend honours the flags";
    }
    unique_fd in = open_file(dir_.write_file("data", "abc"));
    unique_fd out = receiver_.connect_sender();
    for (const int flag : {SFB_NODISKIO, SFB_MNOWAIT, SFB_SYNC, SFB_NOCACHE}) {
        const result r =
            send_file({.out_fd = out.get(), .in_fd = in.get(), .flags = backend_flags() | flag});
        EXPECT_EQ(r.error, ENOTSUP) << "flag " << flag;
        EXPECT_EQ(r.bytes_sent, 0U);
    }
    expect_nothing_arrived(out, receiver_);
}

TEST_P(SendfileTest, UnknownFlags) {
    unique_fd in = open_file(dir_.write_file("data", "abc"));
    unique_fd out = receiver_.connect_sender();
    for (const int flag : {1 << 3, 1 << 7, 1 << 12, 1 << 30, -1}) {
        const int flags = backend_flags() | flag;
        EXPECT_EQ(send_file({.out_fd = out.get(), .in_fd = in.get(), .flags = flags}).error, EINVAL)
            << "flags " << flags;
    }
}

// Buffers that cannot be read: NULL data with a size, or a NULL list with a count.
TEST_P(SendfileTest, BadBuffers) {
    unique_fd in = open_file(dir_.write_file("data", "abc"));
    unique_fd out = receiver_.connect_sender();
    const sfb_buffer null_data{nullptr, 3};
    sfb_request req{};
    req.out_fd = out.get();
    req.in_fd = in.get();
    req.flags = backend_flags();
    req.headers = &null_data;
    req.header_count = 1;
    sfb_result r{};
    EXPECT_EQ(sfb_sendfile(&req, &r), EINVAL);
    req.headers = nullptr;
    EXPECT_EQ(sfb_sendfile(&req, &r), EINVAL);
    req.header_count = 0;
    req.trailers = nullptr;
    req.trailer_count = 2;
    EXPECT_EQ(sfb_sendfile(&req, &r), EINVAL);
    const sfb_buffer empty_null{nullptr, 0};  // an empty buffer needs no data
    req.trailers = &empty_null;
    req.trailer_count = 1;
    EXPECT_EQ(sfb_sendfile(&req, &r), 0);
    EXPECT_EQ(r.bytes_sent, 3U);
}

// A Unix stream socket works as out too (there TCP_CORK does not exist and must not matter).
TEST_P(SendfileTest, UnixStreamSocket) {
    fd_pair sockets = unix_pair(SOCK_STREAM);
    unique_fd& sender = sockets.sender;
    unique_fd in = open_file(dir_.write_file("data", "unix file"));
    const std::array headers{as_buffer("<")};
    const std::array trailers{as_buffer(">")};
    const result r = send_framed(sender.get(), in.get(), headers, trailers);
    EXPECT_EQ(r.error, 0);
    EXPECT_EQ(r.bytes_sent, 11U);
    expect_backend(r);
    sender.reset();
    EXPECT_EQ(read_all(sockets.receiver.get()), "<unix file>");
}

#ifdef __linux__
// Bytes the library held back with MSG_MORE while more data was to follow must go out when
// the call ends early (here: the file is shorter than nbytes); otherwise the header and the
// file's last bytes sit in the socket for the kernel's 200 ms cork timeout.
TEST_P(SendfileTest, NothingHeldBackAfterAnEarlyEnd) {
    unique_fd in = open_file(dir_.write_file("data", "1234567"));
    unique_fd out = receiver_.connect_sender();
    const std::array headers{as_buffer("H")};
    const std::array trailers{as_buffer("T")};
    for (const std::int64_t offset : {0, 7}) {
        const result r =
            send_framed(out.get(), in.get(), headers,
                        offset == 0 ? std::span<const buffer>{} : trailers, offset, 100);
        EXPECT_EQ(r.error, ENODATA);
        int not_sent = -1;  // bytes queued but never transmitted (tcp(7), SIOCOUTQNSD)
        ASSERT_EQ(::ioctl(out.get(), SIOCOUTQNSD, &not_sent), 0);
        EXPECT_EQ(not_sent, 0) << "bytes held back, offset " << offset;
    }
    out.reset();
    ASSERT_TRUE(receiver_.wait_until_done());
    EXPECT_EQ(receiver_.received(), "H1234567H");
}

// A socket the caller corked stays corked after a call with trailers (the library corks only
// sockets it found uncorked), and the bytes wait for the caller's own uncork.
TEST_P(SendfileTest, CallerCorkIsLeftAlone) {
    unique_fd in = open_file(dir_.write_file("data", "file"));
    unique_fd out = receiver_.connect_sender();
    int on = 1;
    ASSERT_EQ(::setsockopt(out.get(), IPPROTO_TCP, TCP_CORK, &on, sizeof on), 0);
    const std::array headers{as_buffer("<")};
    const std::array trailers{as_buffer(">")};
    const result r = send_framed(out.get(), in.get(), headers, trailers);
    EXPECT_EQ(r.error, 0);
    EXPECT_EQ(r.bytes_sent, 6U);
    int corked = 0;
    socklen_t len = sizeof corked;
    ASSERT_EQ(::getsockopt(out.get(), IPPROTO_TCP, TCP_CORK, &corked, &len), 0);
    EXPECT_EQ(corked, 1) << "the caller's cork was removed";
    int not_sent = 0;
    ASSERT_EQ(::ioctl(out.get(), SIOCOUTQNSD, &not_sent), 0);
    EXPECT_EQ(not_sent, 6) << "the cork should still hold the bytes";
    int off = 0;
    ASSERT_EQ(::setsockopt(out.get(), IPPROTO_TCP, TCP_CORK, &off, sizeof off), 0);
    out.reset();
    ASSERT_TRUE(receiver_.wait_until_done());
    EXPECT_EQ(receiver_.received(), "<file>");
}
#endif  // __linux__: MSG_MORE, TCP_CORK and SIOCOUTQNSD

// The result says which backend ran: the native call here unless emulation was forced.
TEST_P(SendfileTest, ReportsTheBackendUsed) {
    const result r = send_content("abc");
    EXPECT_EQ(r.error, 0);
    expect_backend(r);
}

INSTANTIATE_TEST_SUITE_P(Backends, SendfileTest,
                         ::testing::Values(backend::native, backend::emulated), backend_test_name);

}  // namespace
}  // namespace sfb::test
