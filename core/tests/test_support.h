// Small pieces every core test uses (tests/foreign's included): temporary files with a
// checkable byte pattern, SIGPIPE set up as a test needs it, and a loopback receiver thread that
// stores or counts what arrives. Everything is real: real files in a temporary directory, real
// TCP sockets on 127.0.0.1. The owning descriptor is the suite's <sfb/unique_fd.h>.
#pragma once

#include <sfb/unique_fd.h>
#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace sfb::test {

// Two connected descriptors: what goes into `sender` comes out of `receiver`.
struct fd_pair {
    unique_fd sender;
    unique_fd receiver;
};

// An AF_UNIX socket pair of `type` (SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET); throws
// std::system_error when it cannot be made.
fd_pair unix_pair(int type);

// A pipe whose read end (`receiver`) already holds `bytes`.
fd_pair pipe_holding(std::string_view bytes);

// Writes every byte of `bytes` to `fd`, resuming after short writes and EINTR; throws
// std::system_error naming `what` when a write fails.
void write_all(int fd, std::string_view bytes, const std::string& what);

// The byte expected at `offset` of a pattern file made with `seed`. It depends on the absolute
// offset and does not repeat at any power-of-two period, so a byte sent from the wrong offset
// (a 32-bit truncation, an off-by-one resume) does not match.
unsigned char pattern_byte(std::uint64_t offset, unsigned seed = 0);
// `size` pattern bytes as they sit in the file from `offset`.
std::string pattern(std::uint64_t offset, std::size_t size, unsigned seed = 0);

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it.
class temp_dir {
  public:
    temp_dir();
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    ~temp_dir();
    const std::filesystem::path& path() const { return path_; }

    // Creates `name` holding exactly `content`, returns its path.
    std::filesystem::path write_file(const std::string& name, std::string_view content) const;
    // Creates `name` holding `size` pattern bytes.
    std::filesystem::path pattern_file(const std::string& name, std::size_t size,
                                       unsigned seed = 0) const;

  private:
    std::filesystem::path path_;
};

// Opens `path` with `flags` (O_RDONLY by default); fails the calling test when it cannot.
unique_fd open_file(const std::filesystem::path& path, int flags = 0);

// Sets SIGPIPE up for one test, and restores its disposition and the thread's signal mask
// after. `kills`: the default disposition (the process dies on it), unblocked, so a send that
// lets the kernel raise SIGPIPE kills the test instead of passing. `blocked`: blocked in the
// calling thread, as a caller that keeps it blocked itself does (servers).
class sigpipe_setup {
  public:
    enum class mode { kills, blocked };
    explicit sigpipe_setup(mode m);
    sigpipe_setup(const sigpipe_setup&) = delete;
    sigpipe_setup& operator=(const sigpipe_setup&) = delete;
    ~sigpipe_setup();

    // Takes a pending SIGPIPE off the pending set; returns whether there was one.
    static bool take_pending();

  private:
    struct sigaction old_action_ {};
    sigset_t old_mask_{};
};

// Whether SIGPIPE is blocked in the calling thread now.
bool sigpipe_blocked();
// Whether a SIGPIPE is pending now, for the thread or the process.
bool sigpipe_pending();

// Timeouts that turn a hang into a failure. Generous, because sanitizer builds on a busy
// 2-core machine are slow; a passing test never waits for them.
inline constexpr std::chrono::milliseconds kIoTimeout{20000};

// Reads `fd` until end of stream (the peer closed it) and returns what came; fails the calling
// test when nothing arrives for kIoTimeout.
std::string read_all(int fd);

struct receiver_options {
    bool store = true;          // keep every byte for content checks, else only count
    std::size_t keep_last = 0;  // with store = false: keep the last this many bytes
    std::size_t read_size = 64 * 1024;
    std::chrono::microseconds pause_per_read{0};  // > 0: a slow reader
    // Close the connection once this many bytes arrived, with unread data left behind, so
    // the kernel answers the sender with a reset (the peer going away mid-transfer).
    std::uint64_t close_after = std::numeric_limits<std::uint64_t>::max();
    bool start_paused = false;  // accept, but read nothing until resume()
    int rcvbuf = 0;             // SO_RCVBUF when > 0 (set before listen, so it is honoured)
};

// A receiver thread on 127.0.0.1, port 0: it listens, hands its port to the constructor (the
// readiness handshake), accepts one connection and reads until end of stream. Every wait in
// it has a timeout, so a test that hangs fails instead. The destructor stops and joins it.
class loopback_receiver {
  public:
    explicit loopback_receiver(receiver_options options = {});
    loopback_receiver(const loopback_receiver&) = delete;
    loopback_receiver& operator=(const loopback_receiver&) = delete;
    ~loopback_receiver();

    std::uint16_t port() const { return port_; }
    // A blocking TCP socket connected to this receiver; SO_SNDBUF set when sndbuf > 0.
    unique_fd connect_sender(int sndbuf = 0) const;
    // Lets a receiver made with start_paused read.
    void resume();
    // Waits until the stream ended (the sender closed or shut down, the receiver closed
    // after close_after bytes, or the thread failed); false on timeout.
    bool wait_until_done(std::chrono::milliseconds timeout = kIoTimeout);
    // Waits until at least `bytes` arrived; false on timeout.
    bool wait_for_bytes(std::uint64_t bytes, std::chrono::milliseconds timeout = kIoTimeout);

    std::uint64_t bytes_received() const;
    std::string received() const;  // the stored bytes (store = true, or the last keep_last)
    std::string failure() const;   // what went wrong inside the thread; empty if nothing

  private:
    void run(int listener);
    void finish(const std::string& failure);

    receiver_options options_;
    std::uint16_t port_ = 0;
    unique_fd wake_read_;  // a pipe that wakes the thread's poll() for resume() and stop
    unique_fd wake_write_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    bool paused_ = false;
    bool stopping_ = false;
    bool done_ = false;
    std::uint64_t count_ = 0;
    std::string data_;
    std::string failure_;
    std::thread thread_;
};

// A file holding `content` in a fresh temporary directory, open for reading (`in`), and a
// connection (`out`) to a loopback receiver that stores what arrives: what a single case sends
// from and to.
struct file_connection {
    explicit file_connection(std::string_view content)
        : in(open_file(dir.write_file("data", content))), out(receiver.connect_sender()) {}

    // Closes the connection and returns what arrived; fails the calling test when the receiver
    // never saw the end of the stream.
    std::string finish();

    temp_dir dir;
    unique_fd in;
    loopback_receiver receiver;
    unique_fd out;
};

}  // namespace sfb::test
