// Beyond what pysendfile or CPython ever tested: a non-blocking socket resumed after EAGAIN,
// offsets above 4 GiB, signals during a blocked send, a peer that goes away, bad input, and
// several threads at once. Each runs against both backends, with real files and sockets.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <pthread.h>
#include <sfb/sendfile.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <sfb/sendfile.hpp>

#include "send_helpers.h"
#include "test_support.h"

extern char** environ;

namespace sfb::test {
namespace {

constexpr int kSmallBuffer = 64 * 1024;

class RobustnessTest : public backend_test {
  protected:
    void send_through_a_full_socket(std::vector<std::string> headers, std::size_t file_size,
                                    std::vector<std::string> trailers);
    // A receiver that starts paused with a small buffer, so that a sender's buffers fill.
    static receiver_options paused_small_receiver() {
        return {.start_paused = true, .rcvbuf = kSmallBuffer};
    }
};

bool peer_gone(int error) {
    return error == EPIPE || error == ECONNRESET;
}

// A file of `size` bytes that are all holes: cheap to make at any size.
unique_fd sparse_file(const temp_dir& dir, const std::string& name, off_t size) {
    const auto path = dir.path() / name;
    unique_fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    EXPECT_TRUE(fd) << std::strerror(errno);
    EXPECT_EQ(::ftruncate(fd.get(), size), 0) << std::strerror(errno);
    return fd;
}

void write_at(int fd, std::string_view bytes, off_t offset) {
    ASSERT_EQ(::pwrite(fd, bytes.data(), bytes.size(), offset), static_cast<ssize_t>(bytes.size()))
        << std::strerror(errno);
}

// A non-blocking socket whose buffers are full: the call returns EAGAIN with the partial
// count (then EAGAIN with 0 while still full); after poll() says writable, each call moves
// bytes (no busy spin) until the whole request, headers and trailers included, went out.
void RobustnessTest::send_through_a_full_socket(std::vector<std::string> headers,
                                                std::size_t file_size,
                                                std::vector<std::string> trailers) {
    unique_fd in = open_file(dir_.pattern_file("data", file_size));
    loopback_receiver receiver(paused_small_receiver());
    unique_fd out = receiver.connect_sender(kSmallBuffer);
    ASSERT_EQ(::fcntl(out.get(), F_SETFL, ::fcntl(out.get(), F_GETFL) | O_NONBLOCK), 0);

    std::string expected;
    std::uint64_t header_bytes = 0;
    for (const auto& h : headers) {
        expected += h;
        header_bytes += h.size();
    }
    expected += pattern(0, file_size);
    for (const auto& t : trailers) {
        expected += t;
    }
    // The caller keeps one request and only adds up what went out: `already_sent` tells the
    // library where to resume, whether that is in the headers, the file or the trailers.
    std::vector<buffer> header_buffers;
    for (const auto& h : headers) {
        header_buffers.push_back(as_buffer(h));
    }
    std::vector<buffer> trailer_buffers;
    for (const auto& t : trailers) {
        trailer_buffers.push_back(as_buffer(t));
    }
    request req{.out_fd = out.get(),
                .in_fd = in.get(),
                .nbytes = file_size,
                .headers = header_buffers,
                .trailers = trailer_buffers,
                .flags = backend_flags()};

    const result first = send_file(req);
    EXPECT_EQ(first.error, EAGAIN);
    EXPECT_GT(first.bytes_sent, 0U);
    EXPECT_LT(first.bytes_sent, expected.size());
    if (first.bytes_sent <= header_bytes) {
        EXPECT_EQ(first.file_bytes, 0U) << "file bytes before the headers were complete";
    } else {
        EXPECT_EQ(first.bytes_sent, header_bytes + first.file_bytes);
    }
    req.already_sent = first.bytes_sent;

    const result still_full = send_file(req);
    EXPECT_EQ(still_full.error, EAGAIN);
    EXPECT_EQ(still_full.bytes_sent, 0U);
    errno = 0;
    EXPECT_EQ(sfb_sendfile_simple(out.get(), in.get(), 0, 4096), -1) << "the simple form too";
    EXPECT_EQ(errno, EAGAIN);

    receiver.resume();
    int calls_without_progress = 0;
    while (req.already_sent < expected.size()) {
        pollfd pfd{out.get(), POLLOUT, 0};
        ASSERT_EQ(::poll(&pfd, 1, static_cast<int>(kIoTimeout.count())), 1)
            << "the socket never became writable again";
        const result r = send_file(req);
        if (r.bytes_sent == 0) {
            ++calls_without_progress;
        }
        req.already_sent += r.bytes_sent;
        if (r.error == 0) {
            break;
        }
        ASSERT_EQ(r.error, EAGAIN);
    }
    EXPECT_EQ(req.already_sent, expected.size());
    EXPECT_EQ(calls_without_progress, 0) << "a call after POLLOUT moved nothing";
    out.reset();
    ASSERT_TRUE(receiver.wait_until_done());
    EXPECT_EQ(receiver.failure(), "");
    EXPECT_EQ(receiver.bytes_received(), expected.size());
    EXPECT_TRUE(receiver.received() == expected);
}

TEST_P(RobustnessTest, NonBlockingSocketWithAFullBuffer) {
    send_through_a_full_socket({std::string(512, 'h'), std::string(256, 'i')}, 4 * 1024 * 1024,
                               {"abcde", "12345"});
}

// Headers and trailers larger than the socket buffers: EAGAIN comes in the middle of the
// headers (with no file byte counted), and again in the trailers; resuming from the counts
// alone puts every byte in place.
TEST_P(RobustnessTest, NonBlockingHeadersAndTrailersLargerThanTheBuffers) {
    send_through_a_full_socket({pattern(0, 1024 * 1024, 7), "+++"}, 256 * 1024,
                               {pattern(0, 300 * 1024, 9), "!"});
}

// With SFB_USE_FILE_POSITION, a call cut short by EAGAIN leaves the file position right after
// the last file byte that went out, so calling again with the same request resumes exactly.
TEST_P(RobustnessTest, FilePositionAfterEAGAIN) {
    constexpr std::size_t kSize = 2 * 1024 * 1024;
    unique_fd in = open_file(dir_.pattern_file("data", kSize));
    loopback_receiver receiver(paused_small_receiver());
    unique_fd out = receiver.connect_sender(kSmallBuffer);
    ASSERT_EQ(::fcntl(out.get(), F_SETFL, ::fcntl(out.get(), F_GETFL) | O_NONBLOCK), 0);

    // nbytes 0: from the position to the end, recomputed on every call
    const request req{
        .out_fd = out.get(), .in_fd = in.get(), .flags = backend_flags() | SFB_USE_FILE_POSITION};
    const result first = send_file(req);
    ASSERT_EQ(first.error, EAGAIN);
    ASSERT_GT(first.file_bytes, 0U);
    EXPECT_EQ(::lseek(in.get(), 0, SEEK_CUR), static_cast<off_t>(first.file_bytes));
    std::uint64_t total = first.file_bytes;

    receiver.resume();
    for (int calls = 0; total < kSize; ++calls) {
        ASSERT_LT(calls, 100000);
        pollfd pfd{out.get(), POLLOUT, 0};
        ASSERT_EQ(::poll(&pfd, 1, static_cast<int>(kIoTimeout.count())), 1);
        const result r = send_file(req);
        total += r.file_bytes;
        EXPECT_EQ(::lseek(in.get(), 0, SEEK_CUR), static_cast<off_t>(total));
        if (r.error != EAGAIN) {
            ASSERT_EQ(r.error, 0);
        }
    }
    EXPECT_EQ(total, kSize);
    out.reset();
    ASSERT_TRUE(receiver.wait_until_done());
    EXPECT_TRUE(receiver.received() == pattern(0, kSize));
}

// A sparse file of 5 GiB sent from an offset above 4 GiB. The receiver checks the content at
// both ends of the range (and the hole between), and the same range 4 GiB lower holds other
// bytes, so an offset cut to 32 bits anywhere would show.
TEST_P(RobustnessTest, SparseFileAbove4GiB) {
    constexpr off_t kFour = off_t{4} << 30;
    constexpr off_t kFileSize = off_t{5} << 30;
    constexpr off_t kStart = kFour + 3 * 4096 + 17;
    constexpr std::size_t kLength = 3 * 1024 * 1024;
    constexpr std::size_t kEdge = 64 * 1024;
    constexpr off_t kLastEdge = kStart + static_cast<off_t>(kLength - kEdge);
    constexpr std::size_t kTail = 1000;

    unique_fd file = sparse_file(dir_, "sparse", kFileSize);
    write_at(file.get(), pattern(static_cast<std::uint64_t>(kStart), kEdge), kStart);
    write_at(file.get(), pattern(static_cast<std::uint64_t>(kLastEdge), kEdge), kLastEdge);
    write_at(file.get(), std::string(kEdge, '\xAA'), kStart - kFour);
    write_at(file.get(), std::string(kEdge, '\xAA'), kLastEdge - kFour);
    write_at(file.get(), pattern(static_cast<std::uint64_t>(kFileSize) - kTail, kTail),
             kFileSize - off_t{kTail});
    struct stat st {};
    ASSERT_EQ(::fstat(file.get(), &st), 0);
    ASSERT_EQ(st.st_size, kFileSize);

    {
        loopback_receiver receiver;
        const result r =
            send_over(receiver, {.in_fd = file.get(), .offset = kStart, .nbytes = kLength});
        EXPECT_EQ(r.error, 0);
        EXPECT_EQ(r.bytes_sent, kLength);
        const std::string got = receiver.received();
        ASSERT_EQ(got.size(), kLength);
        EXPECT_TRUE(got.substr(0, kEdge) == pattern(static_cast<std::uint64_t>(kStart), kEdge))
            << "first bytes of the range differ";
        EXPECT_TRUE(got.substr(kLength - kEdge) ==
                    pattern(static_cast<std::uint64_t>(kLastEdge), kEdge))
            << "last bytes of the range differ";
        EXPECT_TRUE(got.substr(kEdge, kLength - 2 * kEdge) ==
                    std::string(kLength - 2 * kEdge, '\0'))
            << "the hole between did not read as zeros";
    }
    {
        // nbytes 0 from just below the end: "to the end" computed with a 64-bit size.
        loopback_receiver receiver;
        const result r =
            send_over(receiver, {.in_fd = file.get(), .offset = kFileSize - off_t{kTail}});
        EXPECT_EQ(r.error, 0);
        EXPECT_EQ(r.bytes_sent, kTail);
        EXPECT_TRUE(receiver.received() ==
                    pattern(static_cast<std::uint64_t>(kFileSize) - kTail, kTail));
    }
}

// pysendfile's test 14 used a 2.5 GB file: over 2 GiB, where a signed 32-bit count or offset
// breaks. Sparse here, with pattern bytes across the 2 GiB mark and at the end.
constexpr off_t kOver2GiB = off_t{5} << 29;
constexpr std::size_t kTailCheck = 64 * 1024;

unique_fd over_2gib_file(const temp_dir& dir) {
    constexpr off_t kTwo = off_t{2} << 30;
    constexpr off_t kTail = kOver2GiB - off_t{kTailCheck};
    unique_fd file = sparse_file(dir, "over2gib", kOver2GiB);
    write_at(file.get(), pattern(static_cast<std::uint64_t>(kTwo) - 512, 1024), kTwo - 512);
    write_at(file.get(), pattern(static_cast<std::uint64_t>(kTail), kTailCheck), kTail);
    return file;
}

// Test 14 as pysendfile ran it: the whole file in 64 KiB calls, counted at the receiver.
TEST_P(RobustnessTest, Over2GiBIn64KiBCalls) {
    unique_fd in = over_2gib_file(dir_);
    loopback_receiver receiver({.store = false, .keep_last = kTailCheck, .read_size = 1024 * 1024});
    unique_fd out = receiver.connect_sender();
    const block_loop_end end = send_blocks(
        {.out_fd = out.get(), .in_fd = in.get(), .flags = backend_flags()}, 64 * 1024,
        [](const request& req) { return send_file(req); }, [](const result&) {});
    ASSERT_EQ(end.last.error, ENODATA) << "at offset " << end.offset;
    EXPECT_EQ(end.offset, kOver2GiB);
    out.reset();
    ASSERT_TRUE(receiver.wait_until_done(std::chrono::milliseconds(50000)));
    EXPECT_EQ(receiver.bytes_received(), static_cast<std::uint64_t>(kOver2GiB));
    EXPECT_TRUE(receiver.received() ==
                pattern(static_cast<std::uint64_t>(kOver2GiB) - kTailCheck, kTailCheck));
}

// The same file in one call: more than one sendfile(2) may move (0x7ffff000 bytes), so the
// library must loop inside the call; then the trailer. The bytes around 2 GiB are checked
// with a second, small call from just below the mark.
TEST_P(RobustnessTest, Over2GiBInOneCall) {
    unique_fd in = over_2gib_file(dir_);
    {
        loopback_receiver receiver(
            {.store = false, .keep_last = kTailCheck + 3, .read_size = 1024 * 1024});
        unique_fd out = receiver.connect_sender();
        const std::array trailers{as_buffer("END")};
        const result r = send_file({.out_fd = out.get(),
                                    .in_fd = in.get(),
                                    .trailers = trailers,
                                    .flags = backend_flags()});
        EXPECT_EQ(r.error, 0);
        EXPECT_EQ(r.file_bytes, static_cast<std::uint64_t>(kOver2GiB));
        EXPECT_EQ(r.bytes_sent, static_cast<std::uint64_t>(kOver2GiB) + 3);
        out.reset();
        ASSERT_TRUE(receiver.wait_until_done(std::chrono::milliseconds(50000)));
        EXPECT_EQ(receiver.bytes_received(), static_cast<std::uint64_t>(kOver2GiB) + 3);
        EXPECT_TRUE(receiver.received() ==
                    pattern(static_cast<std::uint64_t>(kOver2GiB) - kTailCheck, kTailCheck) +
                        "END");
    }
    {
        loopback_receiver receiver;
        unique_fd out = receiver.connect_sender();
        EXPECT_EQ(send_file({.out_fd = out.get(),
                             .in_fd = in.get(),
                             .offset = (std::int64_t{2} << 30) - 512,
                             .nbytes = 1024,
                             .flags = backend_flags()})
                      .error,
                  0);
        out.reset();
        ASSERT_TRUE(receiver.wait_until_done());
        EXPECT_TRUE(receiver.received() == pattern((std::uint64_t{2} << 30) - 512, 1024));
    }
}

std::atomic<int> signals_caught{0};
static_assert(std::atomic<int>::is_always_lock_free, "used from a signal handler");

extern "C" void count_signal(int /*signo*/) {
    signals_caught.fetch_add(1, std::memory_order_relaxed);
}

// SIGUSR1, with a handler installed without SA_RESTART, hits the sending thread again and
// again while it is blocked on a full socket whose receiver reads slowly. The kernel then
// interrupts the send (EINTR or a short count); the call must resume and the receiver must
// get every byte exactly once.
TEST_P(RobustnessTest, SignalsDuringABlockedSend) {
    struct sigaction action {};
    action.sa_handler = count_signal;
    action.sa_flags = 0;  // no SA_RESTART: interrupted system calls really fail with EINTR
    sigemptyset(&action.sa_mask);
    struct sigaction old_action {};
    ASSERT_EQ(::sigaction(SIGUSR1, &action, &old_action), 0);
    signals_caught.store(0);

    constexpr std::size_t kSize = 4 * 1024 * 1024;
    unique_fd in = open_file(dir_.pattern_file("data", kSize));
    loopback_receiver receiver({.read_size = 16 * 1024,
                                .pause_per_read = std::chrono::microseconds(500),
                                .rcvbuf = kSmallBuffer});
    unique_fd out = receiver.connect_sender(kSmallBuffer);
    const std::array headers{as_buffer("begin:")};
    const std::array trailers{as_buffer(":end")};

    int signals_sent = 0;
    std::atomic<bool> sending{true};
    std::atomic<bool> started{false};
    pthread_t sender_thread{};
    result r{};
    std::thread sender([&] {
        sender_thread = ::pthread_self();
        started.store(true);
        r = send_framed(out.get(), in.get(), headers, trailers);
        sending.store(false);
    });
    std::thread signaller([&] {
        while (!started.load()) {
            std::this_thread::yield();
        }
        // The sender thread is joined only after this loop ends, so its id stays valid.
        while (sending.load()) {
            if (::pthread_kill(sender_thread, SIGUSR1) == 0) {
                ++signals_sent;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    });
    signaller.join();
    sender.join();
    ::sigaction(SIGUSR1, &old_action, nullptr);

    EXPECT_EQ(r.error, 0) << std::strerror(r.error);
    EXPECT_EQ(r.bytes_sent, kSize + 10);
    // Every signal interrupts the kernel's wait, but ThreadSanitizer runs the handler only at
    // its next intercepted call and merges those pending, so the handler may count fewer.
    EXPECT_GE(signals_sent, 10) << "the send ended before the signals could land";
    EXPECT_GE(signals_caught.load(), 1) << "no signal reached the sending thread";
    out.reset();
    ASSERT_TRUE(receiver.wait_until_done());
    EXPECT_EQ(receiver.failure(), "");
    EXPECT_EQ(receiver.bytes_received(), kSize + 10);
    EXPECT_TRUE(receiver.received() == "begin:" + pattern(0, kSize) + ":end")
        << "bytes lost or sent twice";
}

// The receiver closes the connection after 256 KiB with data unread (so a reset comes back).
// SIGPIPE keeps its default action, which would kill the process; instead the call returns
// EPIPE or ECONNRESET with the partial count, and later calls fail the same way.
TEST_P(RobustnessTest, ReceiverClosesMidTransfer) {
    const sigpipe_setup sigpipe_kills(sigpipe_setup::mode::kills);
    constexpr off_t kSize = 16 * 1024 * 1024;
    unique_fd in = sparse_file(dir_, "big", kSize);
    const receiver_options options{
        .store = false, .close_after = 256 * 1024, .rcvbuf = kSmallBuffer};
    loopback_receiver receiver(options);
    unique_fd out = receiver.connect_sender(kSmallBuffer);
    const std::array trailers{as_buffer("never sent")};

    request req{
        .out_fd = out.get(), .in_fd = in.get(), .trailers = trailers, .flags = backend_flags()};
    const result r = send_file(req);
    EXPECT_TRUE(peer_gone(r.error)) << std::strerror(r.error);
    EXPECT_GE(r.bytes_sent, options.close_after);
    EXPECT_LT(r.bytes_sent, static_cast<std::uint64_t>(kSize));
    EXPECT_EQ(r.file_bytes, r.bytes_sent);
    ASSERT_TRUE(receiver.wait_until_done());

    // The connection is dead now: the file path and the header path (sendmsg) both report it.
    for (int i = 0; i < 3; ++i) {
        const result again = send_file(req);
        EXPECT_TRUE(peer_gone(again.error)) << std::strerror(again.error);
        EXPECT_EQ(again.bytes_sent, 0U);
    }
    const std::array headers{as_buffer("header")};
    req.headers = headers;
    const result header_only = send_file(req);
    EXPECT_TRUE(peer_gone(header_only.error)) << std::strerror(header_only.error);
    EXPECT_EQ(header_only.bytes_sent, 0U);
}

// SFB_SIGPIPE_IGNORED: the caller keeps SIGPIPE blocked itself, so the library skips its
// guard. The peer going away is still EPIPE/ECONNRESET; on Linux's native call the SIGPIPE the
// kernel raised stays pending for the caller (the guard would have consumed it), which shows
// the guard really was skipped. The emulation never raises one (MSG_NOSIGNAL).
TEST_P(RobustnessTest, SigpipeIgnoredFlagSkipsTheGuard) {
    const sigpipe_setup blocked(sigpipe_setup::mode::blocked);
    unique_fd in = sparse_file(dir_, "big", 16 * 1024 * 1024);
    loopback_receiver receiver({.store = false, .close_after = 64 * 1024, .rcvbuf = kSmallBuffer});
    unique_fd out = receiver.connect_sender(kSmallBuffer);
    const request req{.out_fd = out.get(),
                      .in_fd = in.get(),
                      .nbytes = 16 * 1024 * 1024,
                      .flags = backend_flags() | SFB_SIGPIPE_IGNORED};
    const result r = send_file(req);
    EXPECT_TRUE(peer_gone(r.error)) << std::strerror(r.error);
    EXPECT_LT(r.bytes_sent, req.nbytes);
    const bool raised = blocked.take_pending();
    if (GetParam() == backend::native && r.error == EPIPE) {
        EXPECT_TRUE(raised) << "the native call raised no SIGPIPE, or the library consumed it";
    }
    if (GetParam() == backend::emulated) {
        EXPECT_FALSE(raised) << "the emulation raised SIGPIPE despite MSG_NOSIGNAL";
    }
    ASSERT_TRUE(receiver.wait_until_done());
}

// Invalid descriptors: -1 and a descriptor just closed, on either side.
TEST_P(RobustnessTest, InvalidDescriptors) {
    const fd_pair sockets = unix_pair(SOCK_STREAM);
    const int sock = sockets.sender.get();
    unique_fd in = open_file(dir_.write_file("data", "abc"));
    const int closed = ::dup(in.get());
    ASSERT_GE(closed, 0);
    ASSERT_EQ(::close(closed), 0);  // no other thread runs here, so the number stays free

    const std::array<std::pair<int, int>, 4> cases{
        {{-1, in.get()}, {sock, -1}, {closed, in.get()}, {sock, closed}}};
    for (const auto& [out_fd, in_fd] : cases) {
        const result r = send_file({.out_fd = out_fd, .in_fd = in_fd, .flags = backend_flags()});
        EXPECT_EQ(r.error, EBADF) << "out " << out_fd << " in " << in_fd;
        EXPECT_EQ(r.bytes_sent, 0U);
    }

    // A file open for writing only cannot be sent from: EBADF, as sendfile(2) says.
    unique_fd write_only = open_file(dir_.path() / "data", O_WRONLY);
    const result r =
        send_file({.out_fd = sock, .in_fd = write_only.get(), .flags = backend_flags()});
    EXPECT_EQ(r.error, EBADF);
    EXPECT_EQ(r.bytes_sent, 0U);
}

// A directory as input is EISDIR; a pipe or a socket as input is EINVAL (no offsets to send
// from), also with SFB_USE_FILE_POSITION. Nothing is sent.
TEST_P(RobustnessTest, InputThatIsNotARegularFile) {
    loopback_receiver receiver;
    unique_fd out = receiver.connect_sender();
    unique_fd directory(::open(dir_.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    ASSERT_TRUE(directory);
    const fd_pair pipe = pipe_holding("pipe data");
    const fd_pair sockets = unix_pair(SOCK_STREAM);
    write_all(sockets.sender.get(), "sock data", "write to a socket");

    for (const int extra : {0, int{SFB_USE_FILE_POSITION}}) {
        request req{.out_fd = out.get(), .nbytes = 9, .flags = backend_flags() | extra};
        req.in_fd = directory.get();
        EXPECT_EQ(send_file(req).error, EISDIR);
        req.in_fd = pipe.receiver.get();
        EXPECT_EQ(send_file(req).error, EINVAL);
        req.in_fd = sockets.receiver.get();
        EXPECT_EQ(send_file(req).error, EINVAL);
    }
    expect_nothing_arrived(out, receiver);
}

// A listening socket, or one never connected, as output: an error at once, no hang, and no
// SIGPIPE (Linux's sendfile raises it here).
TEST_P(RobustnessTest, SocketThatIsNotConnectedAsOutput) {
    const sigpipe_setup sigpipe_kills(sigpipe_setup::mode::kills);
    loopback_receiver receiver;
    unique_fd connected = receiver.connect_sender();
    unique_fd listening(::socket(AF_INET, SOCK_STREAM, 0));
    ASSERT_EQ(::listen(listening.get(), 1), 0);  // binds an ephemeral port on any address
    unique_fd unconnected(::socket(AF_INET, SOCK_STREAM, 0));
    unique_fd in = open_file(dir_.write_file("data", "abcdef"));
    const std::array headers{as_buffer("header")};
    for (const int out_fd : {listening.get(), unconnected.get()}) {
        for (const bool with_header : {false, true}) {
            const result r = send_framed(out_fd, in.get(),
                                         with_header ? headers : std::span<const buffer>{}, {});
            EXPECT_TRUE(r.error == EPIPE || r.error == ENOTCONN) << std::strerror(r.error);
            EXPECT_EQ(r.bytes_sent, 0U);
        }
    }
}

// A file shorter than nbytes: its bytes go out, then ENODATA with that short count, and the
// trailers are not sent (a framing protocol never sees a trailer after missing data).
TEST_P(RobustnessTest, FileShorterThanNbytes) {
    const std::string file = pattern(0, 100000);
    unique_fd in = open_file(dir_.write_file("data", file));
    loopback_receiver receiver;
    unique_fd out = receiver.connect_sender();
    const std::array headers{as_buffer("HEAD")};
    const std::array trailers{as_buffer("TAIL")};
    for (const std::uint64_t nbytes : {std::uint64_t{500000}, UINT64_MAX}) {
        const result r = send_framed(out.get(), in.get(), headers, trailers, 1000, nbytes);
        EXPECT_EQ(r.error, ENODATA) << "nbytes " << nbytes;
        EXPECT_EQ(r.file_bytes, file.size() - 1000);
        EXPECT_EQ(r.bytes_sent, 4 + file.size() - 1000);
    }
    out.reset();
    ASSERT_TRUE(receiver.wait_until_done());
    const std::string once = "HEAD" + file.substr(1000);
    EXPECT_TRUE(receiver.received() == once + once);
}

// Four threads send different files over different connections at once, in 64 KiB calls;
// every receiver checks its own content.
TEST_P(RobustnessTest, SeveralThreadsAtOnce) {
    constexpr unsigned kThreads = 4;
    std::vector<std::filesystem::path> paths;
    std::vector<std::size_t> sizes;
    for (unsigned i = 0; i < kThreads; ++i) {
        sizes.push_back(2 * 1024 * 1024 + i * 4099);
        paths.push_back(dir_.pattern_file("data" + std::to_string(i), sizes[i], i + 1));
    }
    std::vector<std::string> failures(kThreads);
    std::vector<std::thread> threads;
    for (unsigned i = 0; i < kThreads; ++i) {
        threads.emplace_back([&, i] {
            loopback_receiver receiver;
            unique_fd out = receiver.connect_sender();
            unique_fd in(::open(paths[i].c_str(), O_RDONLY | O_CLOEXEC));
            const block_loop_end end = send_blocks(
                {.out_fd = out.get(), .in_fd = in.get(), .flags = backend_flags()}, 64 * 1024,
                [](const request& req) { return send_file(req); }, [](const result&) {});
            if (end.last.error != ENODATA) {
                failures[i] = std::string("send: ") + std::strerror(end.last.error);
                return;
            }
            out.reset();
            if (!receiver.wait_until_done()) {
                failures[i] = "receiver never finished";
            } else if (receiver.received() != pattern(0, sizes[i], i + 1)) {
                failures[i] = "content differs after " + std::to_string(end.offset) + " bytes";
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    for (unsigned i = 0; i < kThreads; ++i) {
        EXPECT_EQ(failures[i], "") << "thread " << i;
    }
}

INSTANTIATE_TEST_SUITE_P(Backends, RobustnessTest,
                         ::testing::Values(backend::native, backend::emulated), backend_test_name);

// The C ABI's answers to NULL pointers.
TEST(Api, NullRequestOrResult) {
    sfb_result r{};
    r.bytes_sent = 99;
    errno = 0;
    EXPECT_EQ(sfb_sendfile(nullptr, &r), EINVAL);
    EXPECT_EQ(r.error, EINVAL);
    EXPECT_EQ(r.bytes_sent, 0U);
    EXPECT_EQ(errno, EINVAL);
    const sfb_request req{};
    errno = 0;
    EXPECT_EQ(sfb_sendfile(&req, nullptr), EINVAL);
    EXPECT_EQ(errno, EINVAL);
}

TEST(Api, Capabilities) {
    const int caps = sfb_capabilities();
    EXPECT_NE(caps & SFB_CAP_EMULATION, 0);
#ifdef __linux__
    EXPECT_STREQ(sfb_backend_name(), "linux");
    EXPECT_EQ(sfb::backend_name(), "linux");
    EXPECT_EQ(caps,
              SFB_CAP_NATIVE | SFB_CAP_HEADERS_NATIVE | SFB_CAP_FILE_POSITION | SFB_CAP_EMULATION);
    EXPECT_TRUE(has_capability(SFB_CAP_NATIVE));
    EXPECT_FALSE(has_capability(SFB_CAP_FLAGS));
#endif
}

TEST(Api, Version) {
    EXPECT_STREQ(sfb_version(), SFB_EXPECTED_VERSION);
    EXPECT_TRUE(std::regex_match(sfb_version(), std::regex(R"(\d+\.\d+\.\d+)")));
}

// pysendfile's simple form: a count whenever something went out (short at the end of the
// file), 0 at or past the end, -1 and errno when nothing moved; a negative offset sends from
// the file position and advances it.
TEST(Api, SimpleForm) {
    const std::string file = pattern(0, 10000);
    file_connection c(file);
    const int out = c.out.get();
    const int in = c.in.get();

    EXPECT_EQ(sfb_sendfile_simple(out, in, 0, 4096), 4096);
    EXPECT_EQ(sfb_sendfile_simple(out, in, 9000, 4096), 1000);
    EXPECT_EQ(sfb_sendfile_simple(out, in, 10000, 4096), 0);
    EXPECT_EQ(sfb_sendfile_simple(out, in, 20000, 4096), 0);
    EXPECT_EQ(sfb_sendfile_simple(out, in, 9990, 0), 10);  // 0: to the end
    ASSERT_EQ(::lseek(in, 5000, SEEK_SET), 5000);
    EXPECT_EQ(sfb_sendfile_simple(out, in, -1, 100), 100);
    EXPECT_EQ(::lseek(in, 0, SEEK_CUR), 5100);
    errno = 0;
    EXPECT_EQ(sfb_sendfile_simple(out, -1, 0, 100), -1);
    EXPECT_EQ(errno, EBADF);
    EXPECT_EQ(sfb_sendfile_simple(-1, in, 0, 100), -1);
    EXPECT_EQ(errno, EBADF);

    EXPECT_TRUE(c.finish() == file.substr(0, 4096) + file.substr(9000, 1000) + file.substr(9990) +
                                  file.substr(5000, 100));
}

// The README's C example (core/examples/send_file.c), run as documented: its standard output
// is a socket; what arrives at the other end is checked.
TEST(Example, SendFileProgram) {
    temp_dir dir;
    const std::string file = pattern(0, 300000);
    const auto path = dir.write_file("data", file);
    fd_pair sockets = unix_pair(SOCK_STREAM);
    unique_fd& child_end = sockets.sender;
    const unique_fd& our_end = sockets.receiver;

    posix_spawn_file_actions_t actions;
    ASSERT_EQ(::posix_spawn_file_actions_init(&actions), 0);
    ASSERT_EQ(::posix_spawn_file_actions_adddup2(&actions, child_end.get(), STDOUT_FILENO), 0);
    std::string program = SFB_SEND_FILE_EXAMPLE;
    std::string argument = path.string();
    char* argv[] = {program.data(), argument.data(), nullptr};
    pid_t pid = 0;
    const int spawned = ::posix_spawn(&pid, program.c_str(), &actions, nullptr, argv, environ);
    ::posix_spawn_file_actions_destroy(&actions);
    ASSERT_EQ(spawned, 0) << std::strerror(spawned);
    child_end.reset();

    const std::string got = read_all(our_end.get());
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
    EXPECT_TRUE(got == std::to_string(file.size()) + "\n" + file + "end\n");
}

}  // namespace
}  // namespace sfb::test
