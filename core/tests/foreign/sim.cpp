// The machinery behind every simulated call (see sim.h). This file sees glibc's own
// <sys/sendfile.h>: with _FILE_OFFSET_BITS=64 its sendfile() is the symbol sendfile64, so the
// simulated FreeBSD/macOS sendfile() defined under the plain name in sim_freebsd.cpp and
// sim_darwin.cpp never meets it.
#include "sim.h"

#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <random>

namespace sfb::sim {

namespace {

// A call interrupted every k-th time stops somewhere in its first this-many bytes.
constexpr std::uint64_t kInterruptWindow = 256 * 1024;
// Bytes handed to one send() or sendfile().
constexpr std::uint64_t kChunk = 256 * 1024;

struct state {
    config settings;
    std::mt19937_64 random{1};
    std::vector<call_record> log;
    std::uint64_t total_moved = 0;
    std::uint64_t call_index = 0;
    bool still_full = false;  // the last call stalled: the next one finds the socket full
};

state& current() {
    static state s;
    return s;
}

std::uint64_t uniform(std::uint64_t low, std::uint64_t high) {
    std::uniform_int_distribution<std::uint64_t> pick(low, high);
    return pick(current().random);
}

}  // namespace

descriptor describe(int fd) {
    descriptor d;
    struct stat st {};
    if (fd < 0 || ::fstat(fd, &st) != 0) {
        return d;
    }
    d.open = true;
    d.regular = S_ISREG(st.st_mode);
    d.size = st.st_size;
    d.socket = S_ISSOCK(st.st_mode);
    if (d.socket) {
        sockaddr_storage addr{};
        socklen_t len = sizeof addr;
        if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
            d.family = addr.ss_family;
        }
        len = sizeof d.type;
        (void)::getsockopt(fd, SOL_SOCKET, SO_TYPE, &d.type, &len);
    }
    return d;
}

int tcp_only_error(const descriptor& sock) {
    if (sock.family != AF_INET && sock.family != AF_INET6) {
        return EAFNOSUPPORT;
    }
    return sock.type == SOCK_STREAM ? 0 : EPROTOTYPE;
}

void record(const call_record& rec) {
    current().log.push_back(rec);
}

void configure(const config& settings) {
    state& s = current();
    s.settings = settings;
    if (s.settings.max_bytes_per_call == 0) {
        s.settings.max_bytes_per_call = kUnlimited;
    }
    if (s.settings.stall_every_bytes == 0) {
        s.settings.stall_every_bytes = kUnlimited;
    }
    s.random.seed(settings.seed);
    s.log.clear();
    s.total_moved = 0;
    s.call_index = 0;
    s.still_full = false;
}

const config& settings() {
    return current().settings;
}

const std::vector<call_record>& calls() {
    return current().log;
}

transfer::transfer(int socket_fd, bool raise_sigpipe)
    : socket_fd_(socket_fd),
      send_flags_(raise_sigpipe ? 0 : MSG_NOSIGNAL),
      raise_sigpipe_(raise_sigpipe) {
    state& s = current();
    ++s.call_index;
    const config& c = s.settings;
    std::uint64_t signal_budget = kUnlimited;
    if (c.max_bytes_per_call != kUnlimited) {
        signal_budget = uniform(1, c.max_bytes_per_call);
    }
    if (c.eintr_every != 0 && s.call_index % c.eintr_every == 0) {
        signal_budget = uniform(0, std::min(signal_budget, kInterruptWindow));
    }
    std::uint64_t stall_budget = kUnlimited;
    if (s.still_full) {
        // A socket that filled up is still full when called again at once: this call moves
        // nothing (the caller is expected to wait for it, as after any EAGAIN).
        stall_budget = 0;
        s.still_full = false;
    } else if (c.stall_every_bytes != kUnlimited) {
        const std::uint64_t next = (s.total_moved / c.stall_every_bytes + 1) * c.stall_every_bytes;
        stall_budget = next - s.total_moved;
    }
    if (stall_budget <= signal_budget) {
        budget_ = stall_budget;
        budget_reason_ = EAGAIN;
    } else {
        budget_ = signal_budget;
        budget_reason_ = EINTR;
    }
}

bool transfer::budget_left() {
    if (budget_ > 0) {
        return true;
    }
    reason_ = budget_reason_;
    stalled_ = budget_reason_ == EAGAIN;
    current().still_full = stalled_ && moved_ > 0;
    return false;
}

void transfer::account(std::uint64_t n) {
    moved_ += n;
    budget_ -= std::min(budget_, n);
    current().total_moved += n;
}

std::uint64_t transfer::put(const void* data, std::uint64_t size) {
    const auto* bytes = static_cast<const char*>(data);
    std::uint64_t done = 0;
    while (done < size && !stopped() && budget_left()) {
        const auto n = static_cast<std::size_t>(std::min({size - done, budget_, kChunk}));
        const ssize_t w = ::send(socket_fd_, bytes + done, n, send_flags_);
        if (w < 0) {
            if (errno != EINTR) {
                reason_ = errno == EWOULDBLOCK ? EAGAIN : errno;
            }
            continue;
        }
        account(static_cast<std::uint64_t>(w));
        done += static_cast<std::uint64_t>(w);
    }
    return done;
}

std::uint64_t transfer::put_file(int file_fd, off_t offset, std::uint64_t count) {
    const descriptor file = describe(file_fd);
    if (offset >= file.size) {
        return 0;
    }
    count = std::min(count, static_cast<std::uint64_t>(file.size - offset));
    static std::array<char, kChunk> chunk;
    std::uint64_t done = 0;
    while (done < count && !stopped() && budget_left()) {
        const auto n = static_cast<std::size_t>(std::min({count - done, budget_, kChunk}));
        off_t at = offset + static_cast<off_t>(done);
        ssize_t w = 0;
        if (raise_sigpipe_) {
            // Linux's own sendfile(2): raises SIGPIPE at this thread when the peer is gone.
            w = ::sendfile(socket_fd_, file_fd, &at, n);
        } else {
            const ssize_t got = ::pread(file_fd, chunk.data(), n, at);
            if (got <= 0) {
                if (got < 0 && errno != EINTR) {
                    reason_ = errno;
                }
                if (got == 0) {
                    break;  // the file shrank meanwhile
                }
                continue;
            }
            w = ::send(socket_fd_, chunk.data(), static_cast<std::size_t>(got), send_flags_);
        }
        if (w < 0) {
            if (errno != EINTR) {
                reason_ = errno == EWOULDBLOCK ? EAGAIN : errno;
            }
            continue;
        }
        if (w == 0) {
            break;  // the file shrank meanwhile
        }
        account(static_cast<std::uint64_t>(w));
        done += static_cast<std::uint64_t>(w);
    }
    return done;
}

void transfer::log(call_record rec, long long result, int error) const {
    rec.moved = moved_;
    rec.interrupted = interrupted();
    rec.stalled = stalled_;
    rec.result = result;
    rec.error = error;
    record(rec);
}

int transfer::fail(call_record rec) const {
    log(rec, -1, reason_);
    errno = reason_;
    return -1;
}

int refuse(call_record rec, int error) {
    rec.result = -1;
    rec.error = error;
    record(rec);
    errno = error;
    return -1;
}

}  // namespace sfb::sim
