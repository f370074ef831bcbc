#include "test_support.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sfb/retry.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ctime>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <future>
#include <system_error>
#include <vector>

namespace sfb::test {

void write_all(int fd, std::string_view bytes, const std::string& what) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n =
            retry_on_eintr([&] { return ::write(fd, bytes.data() + done, bytes.size() - done); });
        if (n <= 0) {
            throw std::system_error(errno, std::generic_category(), what);
        }
        done += static_cast<std::size_t>(n);
    }
}

fd_pair unix_pair(int type) {
    int fds[2];
    if (::socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, fds) != 0) {
        throw std::system_error(errno, std::generic_category(), "socketpair");
    }
    return fd_pair{unique_fd(fds[0]), unique_fd(fds[1])};
}

fd_pair pipe_holding(std::string_view bytes) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        throw std::system_error(errno, std::generic_category(), "pipe");
    }
    fd_pair ends{unique_fd(fds[1]), unique_fd(fds[0])};
    write_all(ends.sender.get(), bytes, "write to a pipe");
    return ends;
}

unsigned char pattern_byte(std::uint64_t offset, unsigned seed) {
    std::uint64_t x = (offset + 1) * 0x9E3779B97F4A7C15ULL + seed * 0xD1B54A32D192ED03ULL;
    x ^= x >> 29;
    return static_cast<unsigned char>(x >> 56);
}

std::string pattern(std::uint64_t offset, std::size_t size, unsigned seed) {
    std::string out(size, '\0');
    for (std::size_t i = 0; i < size; ++i) {
        out[i] = static_cast<char>(pattern_byte(offset + i, seed));
    }
    return out;
}

temp_dir::temp_dir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl =
        std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/sfb-core-test-XXXXXX";
    std::vector<char> name(tmpl.begin(), tmpl.end());
    name.push_back('\0');
    if (::mkdtemp(name.data()) == nullptr) {
        throw std::system_error(errno, std::generic_category(), "mkdtemp " + tmpl);
    }
    path_ = name.data();
}

temp_dir::~temp_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

std::filesystem::path temp_dir::write_file(const std::string& name,
                                           std::string_view content) const {
    const auto file = path_ / name;
    unique_fd fd(::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!fd) {
        throw std::system_error(errno, std::generic_category(), "create " + file.string());
    }
    write_all(fd.get(), content, "write " + file.string());
    return file;
}

std::filesystem::path temp_dir::pattern_file(const std::string& name, std::size_t size,
                                             unsigned seed) const {
    return write_file(name, pattern(0, size, seed));
}

unique_fd open_file(const std::filesystem::path& path, int flags) {
    unique_fd fd(::open(path.c_str(), flags | O_CLOEXEC));
    EXPECT_TRUE(fd) << "open " << path << ": " << std::strerror(errno);
    return fd;
}

namespace {

sigset_t sigpipe_set() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    return set;
}

}  // namespace

sigpipe_setup::sigpipe_setup(mode m) {
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    // `blocked` leaves the disposition alone, and reads it only to restore it as it was.
    EXPECT_EQ(::sigaction(SIGPIPE, m == mode::kills ? &dfl : nullptr, &old_action_), 0);
    const sigset_t pipe_set = sigpipe_set();
    EXPECT_EQ(::pthread_sigmask(m == mode::kills ? SIG_UNBLOCK : SIG_BLOCK, &pipe_set, &old_mask_),
              0);
}

sigpipe_setup::~sigpipe_setup() {
    ::pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
    ::sigaction(SIGPIPE, &old_action_, nullptr);
}

bool sigpipe_setup::take_pending() {
    if (!sigpipe_pending()) {
        return false;
    }
    const sigset_t pipe_set = sigpipe_set();
    const timespec no_wait{};
    EXPECT_EQ(::sigtimedwait(&pipe_set, nullptr, &no_wait), SIGPIPE);
    return true;
}

bool sigpipe_blocked() {
    sigset_t mask;
    EXPECT_EQ(::pthread_sigmask(SIG_BLOCK, nullptr, &mask), 0);
    return sigismember(&mask, SIGPIPE) == 1;
}

bool sigpipe_pending() {
    sigset_t pending;
    EXPECT_EQ(::sigpending(&pending), 0);
    return sigismember(&pending, SIGPIPE) == 1;
}

namespace {

int poll_one(int fd, short events, int wake_fd, std::chrono::milliseconds timeout) {
    pollfd fds[2] = {{fd, events, 0}, {wake_fd, POLLIN, 0}};
    // A signal aimed at another test thread may interrupt the wait.
    const int n = retry_on_eintr([&] { return ::poll(fds, 2, static_cast<int>(timeout.count())); });
    if (n <= 0) {
        return n;
    }
    return (fds[1].revents & POLLIN) != 0 ? 2 : 1;
}

}  // namespace

std::string read_all(int fd) {
    std::string out;
    std::vector<char> buffer(64 * 1024);
    while (poll_one(fd, POLLIN, -1, kIoTimeout) == 1) {
        const ssize_t n = retry_on_eintr([&] { return ::read(fd, buffer.data(), buffer.size()); });
        if (n <= 0) {
            return out;
        }
        out.append(buffer.data(), static_cast<std::size_t>(n));
    }
    ADD_FAILURE() << "read_all: no end of stream within " << kIoTimeout.count() << " ms";
    return out;
}

std::string file_connection::finish() {
    out.reset();
    EXPECT_TRUE(receiver.wait_until_done()) << "the receiver never saw the end";
    return receiver.received();
}

loopback_receiver::loopback_receiver(receiver_options options)
    : options_(options), paused_(options.start_paused) {
    int pipe_fds[2];
    if (::pipe(pipe_fds) != 0) {
        throw std::system_error(errno, std::generic_category(), "pipe");
    }
    wake_read_.reset(pipe_fds[0]);
    wake_write_.reset(pipe_fds[1]);
    for (const int fd : pipe_fds) {
        ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    }

    // The readiness handshake: the thread makes the listening socket itself and reports its
    // port (or why it could not) before the constructor returns.
    std::promise<std::uint16_t> ready;
    auto port = ready.get_future();
    thread_ = std::thread([this, ready = std::move(ready)]() mutable {
        unique_fd listener(::socket(AF_INET, SOCK_STREAM, 0));
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = 0;
        socklen_t len = sizeof addr;
        if (!listener ||
            (options_.rcvbuf > 0 && ::setsockopt(listener.get(), SOL_SOCKET, SO_RCVBUF,
                                                 &options_.rcvbuf, sizeof options_.rcvbuf) != 0) ||
            ::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
            ::listen(listener.get(), 1) != 0 ||
            ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
            ready.set_exception(std::make_exception_ptr(
                std::system_error(errno, std::generic_category(), "loopback listener")));
            return;
        }
        ready.set_value(ntohs(addr.sin_port));
        run(listener.release());
    });
    if (port.wait_for(kIoTimeout) != std::future_status::ready) {
        std::terminate();  // the thread neither started nor failed: nothing sane is left
    }
    try {
        port_ = port.get();
    } catch (...) {
        thread_.join();
        throw;
    }
}

loopback_receiver::~loopback_receiver() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    const char byte = 's';
    (void)!::write(wake_write_.get(), &byte, 1);
    thread_.join();
}

unique_fd loopback_receiver::connect_sender(int sndbuf) const {
    unique_fd fd(::socket(AF_INET, SOCK_STREAM, 0));
    if (!fd) {
        throw std::system_error(errno, std::generic_category(), "socket");
    }
    if (sndbuf > 0 && ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf) != 0) {
        throw std::system_error(errno, std::generic_category(), "SO_SNDBUF");
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port_);
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        throw std::system_error(errno, std::generic_category(), "connect");
    }
    return fd;
}

void loopback_receiver::resume() {
    {
        std::lock_guard lock(mutex_);
        paused_ = false;
    }
    const char byte = 'r';
    (void)!::write(wake_write_.get(), &byte, 1);
}

bool loopback_receiver::wait_until_done(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [this] { return done_; });
}

bool loopback_receiver::wait_for_bytes(std::uint64_t bytes, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return done_ || count_ >= bytes; }) &&
           count_ >= bytes;
}

std::uint64_t loopback_receiver::bytes_received() const {
    std::lock_guard lock(mutex_);
    return count_;
}

std::string loopback_receiver::received() const {
    std::lock_guard lock(mutex_);
    if (!options_.store && data_.size() > options_.keep_last) {
        return data_.substr(data_.size() - options_.keep_last);
    }
    return data_;
}

std::string loopback_receiver::failure() const {
    std::lock_guard lock(mutex_);
    return failure_;
}

void loopback_receiver::finish(const std::string& failure) {
    std::lock_guard lock(mutex_);
    if (failure_.empty()) {
        failure_ = failure;
    }
    done_ = true;
    changed_.notify_all();
}

void loopback_receiver::run(int listener_fd) {
    unique_fd listener(listener_fd);
    const auto stop_requested = [this] {
        std::lock_guard lock(mutex_);
        return stopping_;
    };
    // A wake-up is either a stop or a resume(): empties the pipe, and on a stop ends the
    // thread's work (finish) and returns true.
    const auto woken_to_stop = [&] {
        char sink[16];
        while (::read(wake_read_.get(), sink, sizeof sink) > 0) {
        }
        if (stop_requested()) {
            finish("");
            return true;
        }
        return false;
    };

    // Before the connection a resume() changes nothing; only a stop ends the wait.
    int ready = 2;
    while (ready == 2) {
        ready = poll_one(listener.get(), POLLIN, wake_read_.get(), kIoTimeout);
        if (ready == 2 && woken_to_stop()) {
            return;
        }
    }
    if (ready != 1) {
        finish("no connection arrived in time");
        return;
    }
    unique_fd conn(::accept(listener.get(), nullptr, nullptr));
    if (!conn) {
        finish(std::string("accept: ") + std::strerror(errno));
        return;
    }
    listener.reset();

    std::vector<char> buffer(options_.read_size);
    for (;;) {
        bool paused = false;
        {
            std::lock_guard lock(mutex_);
            paused = paused_;
        }
        if (paused) {
            ready = poll_one(wake_read_.get(), POLLIN, wake_read_.get(), kIoTimeout);
            if (ready == 0) {
                finish("never resumed");
                return;
            }
            if (woken_to_stop()) {
                return;
            }
            continue;
        }
        ready = poll_one(conn.get(), POLLIN, wake_read_.get(), kIoTimeout);
        if (ready == 2) {
            if (woken_to_stop()) {
                return;
            }
            continue;
        }
        if (ready == 0) {
            finish("nothing arrived for " + std::to_string(kIoTimeout.count()) + " ms");
            return;
        }
        const ssize_t n =
            retry_on_eintr([&] { return ::recv(conn.get(), buffer.data(), buffer.size(), 0); });
        if (n < 0) {
            finish(std::string("recv: ") + std::strerror(errno));
            return;
        }
        if (n == 0) {
            finish("");
            return;
        }
        std::uint64_t total = 0;
        {
            std::lock_guard lock(mutex_);
            count_ += static_cast<std::uint64_t>(n);
            total = count_;
            const auto got = static_cast<std::size_t>(n);
            if (options_.store) {
                data_.append(buffer.data(), got);
            } else if (options_.keep_last > 0) {
                // Copy only what may end up among the last keep_last bytes: at the end of a
                // multi-GiB transfer that keeps the copying (and a sanitizer's checks) small.
                if (got >= options_.keep_last) {
                    data_.assign(buffer.data() + got - options_.keep_last, options_.keep_last);
                } else {
                    data_.append(buffer.data(), got);
                    if (data_.size() > 2 * options_.keep_last) {
                        data_.erase(0, data_.size() - options_.keep_last);
                    }
                }
            }
            changed_.notify_all();
        }
        if (total >= options_.close_after) {
            conn.reset();  // unread data is left behind, so the kernel sends a reset
            finish("");
            return;
        }
        if (options_.pause_per_read.count() > 0) {
            std::this_thread::sleep_for(options_.pause_per_read);
        }
    }
}

}  // namespace sfb::test
