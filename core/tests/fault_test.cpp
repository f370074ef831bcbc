// One test per fault a hostile test of the C ABI found, each with
// real files, real devices and real sockets: the regular-file contract on the quick path and
// the prepared pair that keeps it cheap, used_native after a fallback, both descriptors
// checked before a header goes out, overflowing counts and sizes, datagram sockets. ctest
// names them core.Fault.*; `ctest -R '^core\.Fault\.'` runs them.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sfb/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>

#include <sfb/sendfile.hpp>

#include "send_helpers.h"
#include "test_support.h"

namespace sfb::test {
namespace {

constexpr std::array kBothBackends{0, int{SFB_FORCE_EMULATION}};

// Runs `call` on a thread; if it has not returned within `limit`, shuts `out_fd` down so a
// call that would stream forever fails instead of hanging the test. Returns whether the call
// came back on its own.
template <class Call>
bool returns_within(std::chrono::milliseconds limit, int out_fd, Call call) {
    std::atomic<bool> done{false};
    std::thread worker([&] {
        call();
        done.store(true);
    });
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done.load() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    const bool in_time = done.load();
    if (!in_time) {
        ::shutdown(out_fd, SHUT_RDWR);
    }
    worker.join();
    return in_time;
}

unique_fd open_device(const char* path) {
    unique_fd fd(::open(path, O_RDONLY | O_CLOEXEC));
    EXPECT_TRUE(fd) << path << ": " << std::strerror(errno);
    return fd;
}

// Item 14: /dev/zero, /dev/urandom and a pipe as in_fd, with nbytes > 0 and no headers (the
// request the quick path used to send without looking at in_fd), are EINVAL with nothing
// sent: through sfb_sendfile(), the simple form and sfb_prepare().
TEST(Fault, DeviceOrPipeInputIsEinval) {
    loopback_receiver receiver;
    unique_fd out = receiver.connect_sender();
    const fd_pair pipe = pipe_holding("pipe data");
    unique_fd zero = open_device("/dev/zero");
    unique_fd urandom = open_device("/dev/urandom");
    for (const int in_fd : {zero.get(), urandom.get(), pipe.receiver.get()}) {
        for (const int flags : {0, int{SFB_SIGPIPE_IGNORED}, int{SFB_FORCE_EMULATION}}) {
            const result r =
                send_file({.out_fd = out.get(), .in_fd = in_fd, .nbytes = 65536, .flags = flags});
            EXPECT_EQ(r.error, EINVAL) << "in_fd " << in_fd << " flags " << flags;
            EXPECT_EQ(r.bytes_sent, 0U);
        }
        errno = 0;
        EXPECT_EQ(sfb_sendfile_simple(out.get(), in_fd, 0, 4096), -1);
        EXPECT_EQ(errno, EINVAL);
        prepared pair{};
        EXPECT_EQ(prepare(out.get(), in_fd, pair), EINVAL);
        EXPECT_EQ(pair.state, 0U) << "a failed prepare leaves a handle that is refused";
        EXPECT_EQ(send_file(pair, {.out_fd = out.get(), .in_fd = in_fd, .nbytes = 4096}).error,
                  EINVAL)
            << "a refused pair stays refused";
    }
    expect_nothing_arrived(out, receiver);
}

// Item 14: nbytes = UINT64_MAX from /dev/zero returns (EINVAL) instead of streaming forever.
// The call runs on a thread that a watchdog cuts off after 10 s, so the old behaviour fails
// the test rather than hanging it.
TEST(Fault, DevZeroWithUnboundedCountReturns) {
    loopback_receiver receiver({.store = false});
    unique_fd out = receiver.connect_sender();
    unique_fd zero = open_device("/dev/zero");
    for (const int flags : {0, int{SFB_SIGPIPE_IGNORED}}) {
        result r{};
        const bool returned = returns_within(std::chrono::seconds(10), out.get(), [&] {
            r = send_file(
                {.out_fd = out.get(), .in_fd = zero.get(), .nbytes = UINT64_MAX, .flags = flags});
        });
        ASSERT_TRUE(returned) << "the call streamed /dev/zero for 10 s";
        EXPECT_EQ(r.error, EINVAL);
        EXPECT_EQ(r.bytes_sent, 0U);
    }
    expect_nothing_arrived(out, receiver);
}

// Item 14: the prepared pair. A loop sends a file in 64 KiB blocks through one handle, and
// gets every byte once, ENODATA at the end and past it, and the same answers as
// sfb_sendfile() for nbytes 0 and headers; on both backends.
TEST(Fault, PreparedPairSendsAFileBlockByBlock) {
    temp_dir dir;
    constexpr std::size_t kSize = 1024 * 1024 + 123;
    unique_fd in = open_file(dir.pattern_file("data", kSize));
    for (const int backend_flag : kBothBackends) {
        loopback_receiver receiver;
        unique_fd out = receiver.connect_sender();
        prepared pair{};
        ASSERT_EQ(prepare(out.get(), in.get(), pair), 0);
        const block_loop_end end = send_blocks(
            {.out_fd = out.get(), .in_fd = in.get(), .flags = backend_flag | SFB_SIGPIPE_IGNORED},
            64 * 1024, [&](const request& req) { return send_file(pair, req); },
            [&](const result& r) { EXPECT_EQ(r.used_native, backend_flag == 0 ? 1 : 0); });
        ASSERT_EQ(end.last.error, ENODATA) << std::strerror(end.last.error);
        EXPECT_EQ(end.offset, static_cast<std::int64_t>(kSize));
        request past{.out_fd = out.get(),
                     .in_fd = in.get(),
                     .offset = static_cast<std::int64_t>(kSize) + 4096,
                     .nbytes = 100,
                     .flags = backend_flag};
        const result beyond = send_file(pair, past);
        EXPECT_EQ(beyond.error, ENODATA) << "an offset past the end, quick path";
        EXPECT_EQ(beyond.bytes_sent, 0U);
        const std::array headers{as_buffer("HEAD")};
        past.headers = headers;
        EXPECT_EQ(send_file(pair, past).error, ENODATA) << "past the end, with a header";
        const result tail = send_file(pair, {.out_fd = out.get(),
                                             .in_fd = in.get(),
                                             .offset = static_cast<std::int64_t>(kSize) - 10,
                                             .headers = headers,
                                             .flags = backend_flag});  // nbytes 0: to the end
        EXPECT_EQ(tail.error, 0);
        EXPECT_EQ(tail.bytes_sent, 14U);
        out.reset();
        ASSERT_TRUE(receiver.wait_until_done());
        EXPECT_TRUE(receiver.received() == pattern(0, kSize) + "HEAD" + pattern(kSize - 10, 10));
    }
}

// Item 14: a handle sfb_prepare() did not fill, or a request naming other descriptors, is
// refused before anything is sent; so is a NULL handle. A descriptor closed since prepare is
// EBADF.
TEST(Fault, PreparedHandleMustBeTheRequestsPair) {
    temp_dir dir;
    unique_fd in = open_file(dir.write_file("data", "abcdef"));
    unique_fd other = open_file(dir.write_file("other", "uvwxyz"));
    loopback_receiver receiver;
    unique_fd out = receiver.connect_sender();
    const request req{.out_fd = out.get(), .in_fd = in.get(), .nbytes = 6};

    const prepared zeroed{};
    EXPECT_EQ(send_file(zeroed, req).error, EINVAL);
    prepared forged{out.get(), in.get(), 0, 0};
    EXPECT_EQ(send_file(forged, req).error, EINVAL);
    prepared pair{};
    ASSERT_EQ(prepare(out.get(), in.get(), pair), 0);
    request wrong = req;
    wrong.in_fd = other.get();
    EXPECT_EQ(send_file(pair, wrong).error, EINVAL);
    const sfb_request c{out.get(), in.get(), 0, 6, nullptr, 0, nullptr, 0, 0, 0};
    sfb_result r{};
    errno = 0;
    EXPECT_EQ(sfb_sendfile_prepared(nullptr, &c, &r), EINVAL);
    EXPECT_EQ(r.error, EINVAL);
    EXPECT_EQ(errno, EINVAL);
    EXPECT_EQ(sfb_sendfile_prepared(&pair, nullptr, &r), EINVAL);
    EXPECT_EQ(sfb_sendfile_prepared(&pair, &c, nullptr), EINVAL);
    EXPECT_EQ(sfb_prepare(out.get(), in.get(), nullptr), EINVAL);

    // The same number, closed: the kernel's EBADF, still with nothing sent. The number is a
    // high one: the kernel hands out the lowest free number, so the receiver thread's accept()
    // (which may run only now) cannot be given it once it is closed.
    const int closed = ::fcntl(in.get(), F_DUPFD_CLOEXEC, 256);
    ASSERT_GE(closed, 0);
    prepared stale{};
    ASSERT_EQ(prepare(out.get(), closed, stale), 0);
    ASSERT_EQ(::close(closed), 0);
    request gone = req;
    gone.in_fd = closed;
    const result after_close = send_file(stale, gone);
    EXPECT_EQ(after_close.error, EBADF);
    EXPECT_EQ(after_close.bytes_sent, 0U);

    EXPECT_EQ(send_file(pair, req).error, 0) << "the real pair still works";
    out.reset();
    ASSERT_TRUE(receiver.wait_until_done());
    EXPECT_EQ(receiver.received(), "abcdef");
}

// Item 15: /proc/self/status is a regular file Linux's sendfile(2) refuses (EINVAL, no
// splice_read); the request then goes through the emulation and used_native says so, through
// sfb_sendfile() and a prepared pair alike. After a header went out the native call was tried
// on the request, and used_native stays 1 (the rule every backend follows, sendfile.h).
TEST(Fault, ProcFileFallbackReportsTheEmulation) {
#ifndef __linux__
    GTEST_SKIP() << "a /proc file is Linux's case";
#endif
    unique_fd in = open_device("/proc/self/status");
    ASSERT_TRUE(in);
    loopback_receiver receiver;
    unique_fd out = receiver.connect_sender();
    prepared pair{};
    ASSERT_EQ(prepare(out.get(), in.get(), pair), 0);
    for (const int flags : {0, int{SFB_SIGPIPE_IGNORED}}) {
        const request req{.out_fd = out.get(), .in_fd = in.get(), .nbytes = 32, .flags = flags};
        const result plain = send_file(req);
        EXPECT_EQ(plain.error, 0) << std::strerror(plain.error);
        EXPECT_EQ(plain.file_bytes, 32U);
        EXPECT_EQ(plain.used_native, 0) << "the emulation sent it";
        const result quick = send_file(pair, req);
        EXPECT_EQ(quick.error, 0) << std::strerror(quick.error);
        EXPECT_EQ(quick.file_bytes, 32U);
        EXPECT_EQ(quick.used_native, 0) << "the emulation sent it (prepared pair)";
    }
    const std::array headers{as_buffer("H")};
    const result late =
        send_file({.out_fd = out.get(), .in_fd = in.get(), .nbytes = 32, .headers = headers});
    EXPECT_EQ(late.error, 0);
    EXPECT_EQ(late.bytes_sent, 33U);
    EXPECT_EQ(late.used_native, 1);
    out.reset();
    ASSERT_TRUE(receiver.wait_until_done());
    const std::string got = receiver.received();
    ASSERT_EQ(got.size(), 4 * 32U + 33U);
    EXPECT_EQ(got.substr(0, 5), "Name:");
    EXPECT_EQ(got.substr(4 * 32, 6), "HName:");
}

// Item 16: in_fd open for writing only (or O_PATH) is EBADF before the headers go out: nothing
// at all arrives.
TEST(Fault, WriteOnlyInputSendsNoHeader) {
    temp_dir dir;
    const auto path = dir.write_file("data", "file bytes");
    unique_fd write_only = open_file(path, O_WRONLY);
    unique_fd path_only = open_file(path, O_PATH);
    const std::array headers{as_buffer("HEADER")};
    loopback_receiver receiver;
    unique_fd out = receiver.connect_sender();
    for (const int in_fd : {write_only.get(), path_only.get()}) {
        for (const int backend_flag : kBothBackends) {
            const result r = send_file({.out_fd = out.get(),
                                        .in_fd = in_fd,
                                        .nbytes = 10,
                                        .headers = headers,
                                        .flags = backend_flag});
            EXPECT_EQ(r.error, EBADF);
            EXPECT_EQ(r.bytes_sent, 0U);
        }
        prepared pair{};
        EXPECT_EQ(prepare(out.get(), in_fd, pair), EBADF);
    }
    out.reset();
    ASSERT_TRUE(receiver.wait_until_done());
    EXPECT_EQ(receiver.bytes_received(), 0U) << "a header went out before EBADF";
}

// Item 17: an offset near INT64_MAX with already_sent reaching past it: refused (ENODATA, the
// offset is past the end; EINVAL on the prepared quick path, which does not stat the file)
// without the signed overflow UBSan reported, and nothing sent.
TEST(Fault, AlreadySentNearInt64MaxDoesNotOverflow) {
    temp_dir dir;
    unique_fd in = open_file(dir.write_file("data", "abcdef"));
    loopback_receiver receiver;
    unique_fd out = receiver.connect_sender();
    prepared pair{};
    ASSERT_EQ(prepare(out.get(), in.get(), pair), 0);
    for (const int backend_flag : kBothBackends) {
        request req{.out_fd = out.get(),
                    .in_fd = in.get(),
                    .offset = INT64_MAX - 10,
                    .nbytes = 100,
                    .flags = backend_flag,
                    .already_sent = 50};
        const result plain = send_file(req);
        EXPECT_EQ(plain.error, ENODATA);
        EXPECT_EQ(plain.bytes_sent, 0U);
        const result quick = send_file(pair, req);
        EXPECT_EQ(quick.error, EINVAL);
        EXPECT_EQ(quick.bytes_sent, 0U);
        // A header plus nbytes UINT64_MAX: the request's total does not wrap to a small number
        // (which refused already_sent 5 as "more than the request").
        req.offset = 0;
        req.nbytes = UINT64_MAX;
        req.already_sent = 5;
        const std::array headers{as_buffer("HEAD")};
        req.headers = headers;
        const result resumed = send_file(req);
        EXPECT_EQ(resumed.error, ENODATA) << "the file ended after 5 more of its bytes";
        EXPECT_EQ(resumed.bytes_sent, 5U);
    }
    out.reset();
    ASSERT_TRUE(receiver.wait_until_done());
    EXPECT_EQ(receiver.received(), "bcdefbcdef");
}

// Item 17: a trailer (or header) whose size no buffer can have, SIZE_MAX, and buffers whose
// sizes add up past SSIZE_MAX: EINVAL before any byte goes out, the file bytes included.
TEST(Fault, ImpossibleBufferSizeIsRefusedFirst) {
    temp_dir dir;
    unique_fd in = open_file(dir.write_file("data", "file bytes"));
    loopback_receiver receiver;
    unique_fd out = receiver.connect_sender();
    static const char byte = 'x';
    const std::array huge{sfb_buffer{&byte, SIZE_MAX}};
    const std::array two_halves{sfb_buffer{&byte, SIZE_MAX / 2}, sfb_buffer{&byte, SIZE_MAX / 2}};
    const std::array ok{as_buffer("ok")};
    for (const int backend_flag : kBothBackends) {
        for (const auto& bad :
             {std::span<const sfb_buffer>(huge), std::span<const sfb_buffer>(two_halves)}) {
            request req{.out_fd = out.get(),
                        .in_fd = in.get(),
                        .headers = ok,
                        .trailers = bad,
                        .flags = backend_flag};
            const result as_trailer = send_file(req);
            EXPECT_EQ(as_trailer.error, EINVAL);
            EXPECT_EQ(as_trailer.bytes_sent, 0U);
            req.headers = bad;
            req.trailers = ok;
            const result as_header = send_file(req);
            EXPECT_EQ(as_header.error, EINVAL);
            EXPECT_EQ(as_header.bytes_sent, 0U);
        }
    }
    expect_nothing_arrived(out, receiver);
}

// Item 17: a UDP socket (connected, so send() would work), a Unix datagram and a Unix
// seqpacket socket as out_fd: EINVAL up front, never EMSGSIZE or EDESTADDRREQ, and no
// datagram leaves.
TEST(Fault, DatagramSocketIsRefused) {
    temp_dir dir;
    unique_fd in = open_file(dir.pattern_file("data", 100000));
    unique_fd udp_receiver(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    ASSERT_TRUE(udp_receiver);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(udp_receiver.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    socklen_t len = sizeof addr;
    ASSERT_EQ(::getsockname(udp_receiver.get(), reinterpret_cast<sockaddr*>(&addr), &len), 0);
    unique_fd udp(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    ASSERT_EQ(::connect(udp.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    unique_fd unbound_udp(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    const fd_pair dgram = unix_pair(SOCK_DGRAM);
    const fd_pair seq = unix_pair(SOCK_SEQPACKET);
    const std::array headers{as_buffer("HEADER")};
    for (const int out_fd : {udp.get(), unbound_udp.get(), dgram.sender.get(), seq.sender.get()}) {
        for (const int backend_flag : kBothBackends) {
            for (const bool with_header : {false, true}) {
                const result r =
                    send_file({.out_fd = out_fd,
                               .in_fd = in.get(),
                               .nbytes = 100000,
                               .headers = with_header ? std::span<const buffer>(headers)
                                                      : std::span<const buffer>{},
                               .flags = backend_flag});
                EXPECT_EQ(r.error, EINVAL) << "out_fd " << out_fd << ": " << std::strerror(r.error);
                EXPECT_EQ(r.bytes_sent, 0U);
            }
        }
        prepared pair{};
        EXPECT_EQ(prepare(out_fd, in.get(), pair), EINVAL);
    }
    char buf[16];
    EXPECT_EQ(::recv(udp_receiver.get(), buf, sizeof buf, MSG_DONTWAIT), -1) << "a datagram left";
    EXPECT_EQ(::recv(dgram.receiver.get(), buf, sizeof buf, MSG_DONTWAIT), -1);
    EXPECT_EQ(::recv(seq.receiver.get(), buf, sizeof buf, MSG_DONTWAIT), -1);
}

// Item 18: the simple form as its header documents it: nbytes 0 is "to the end of the file",
// a negative offset sends from the file position and advances it, a non-negative one leaves
// the position alone.
TEST(Fault, SimpleFormAsDocumented) {
    const std::string file = pattern(0, 5000);
    file_connection c(file);
    const int out = c.out.get();
    const int in = c.in.get();
    ASSERT_EQ(::lseek(in, 1000, SEEK_SET), 1000);
    EXPECT_EQ(sfb_sendfile_simple(out, in, 4000, 0), 1000) << "0: to the end";
    EXPECT_EQ(::lseek(in, 0, SEEK_CUR), 1000) << "an explicit offset moved the position";
    EXPECT_EQ(sfb_sendfile_simple(out, in, -1, 0), 4000) << "from the position";
    EXPECT_EQ(::lseek(in, 0, SEEK_CUR), 5000);
    EXPECT_EQ(sfb_sendfile_simple(out, in, -1, 10), 0) << "at the end: 0";
    EXPECT_TRUE(c.finish() == file.substr(4000) + file.substr(1000));
}

}  // namespace
}  // namespace sfb::test
