// sendfile_loop_bench: the library's hot path against a bare sendfile(2) loop, interleaved.
//
// One file (64 MiB by default, unlinked at once so nothing outlives the process) goes over one
// loopback TCP connection in blocks (64 KiB by default), round after round, alternating
// (a) a bare loop of sendfile(2) calls and (b) the library's fast path, one
// sfb_sendfile_prepared() per block on a pair prepared once, with SFB_SIGPIPE_IGNORED. A
// receiver thread reads and discards; a transfer's time runs until the receiver got its last
// byte. It prints each variant's MB/s (median, min, max), the ratio library/bare of each
// A-B pair, and the system calls per block each variant made on the sending thread, counted by
// wrapping the calls with the linker (-Wl,--wrap, see CMakeLists.txt): the library is linked
// statically, so its calls go through the same wrappers as the bare loop's.
//
// Usage: sendfile_loop_bench [--size BYTES] [--block BYTES] [--rounds N] [--dir DIR]
//                            [--max-syscalls-per-block N]
// Sizes take a K or M suffix. With --max-syscalls-per-block the program exits 1 when either
// variant made more system calls per block than N (the ctest smoke run checks 1). Exit 2 on
// bad arguments, 3 when a transfer fails.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sfb/retry.h>
#include <sfb/sendfile.h>
#include <signal.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

thread_local std::uint64_t syscalls = 0;

}  // namespace

// The wrapped calls: every system call the library or the bare loop can make while sending.
extern "C" {
ssize_t __real_sendfile64(int, int, off_t*, size_t);
ssize_t __wrap_sendfile64(int out, int in, off_t* offset, size_t count) {
    ++syscalls;
    return __real_sendfile64(out, in, offset, count);
}
int __real_fstat64(int, struct stat*);
int __wrap_fstat64(int fd, struct stat* st) {
    ++syscalls;
    return __real_fstat64(fd, st);
}
int __real_fcntl64(int, int, ...);
int __wrap_fcntl64(int fd, int cmd, ...) {
    ++syscalls;
    va_list args;
    va_start(args, cmd);
    void* arg = va_arg(args, void*);
    va_end(args);
    return __real_fcntl64(fd, cmd, arg);
}
int __real_getsockopt(int, int, int, void*, socklen_t*);
int __wrap_getsockopt(int fd, int level, int name, void* value, socklen_t* len) {
    ++syscalls;
    return __real_getsockopt(fd, level, name, value, len);
}
int __real_setsockopt(int, int, int, const void*, socklen_t);
int __wrap_setsockopt(int fd, int level, int name, const void* value, socklen_t len) {
    ++syscalls;
    return __real_setsockopt(fd, level, name, value, len);
}
off_t __real_lseek64(int, off_t, int);
off_t __wrap_lseek64(int fd, off_t offset, int whence) {
    ++syscalls;
    return __real_lseek64(fd, offset, whence);
}
ssize_t __real_pread64(int, void*, size_t, off_t);
ssize_t __wrap_pread64(int fd, void* buf, size_t count, off_t offset) {
    ++syscalls;
    return __real_pread64(fd, buf, count, offset);
}
ssize_t __real_send(int, const void*, size_t, int);
ssize_t __wrap_send(int fd, const void* buf, size_t len, int flags) {
    ++syscalls;
    return __real_send(fd, buf, len, flags);
}
ssize_t __real_sendmsg(int, const struct msghdr*, int);
ssize_t __wrap_sendmsg(int fd, const struct msghdr* msg, int flags) {
    ++syscalls;
    return __real_sendmsg(fd, msg, flags);
}
int __real_pthread_sigmask(int, const sigset_t*, sigset_t*);
int __wrap_pthread_sigmask(int how, const sigset_t* set, sigset_t* old) {
    ++syscalls;
    return __real_pthread_sigmask(how, set, old);
}
int __real_sigpending(sigset_t*);
int __wrap_sigpending(sigset_t* set) {
    ++syscalls;
    return __real_sigpending(set);
}
int __real_sigtimedwait(const sigset_t*, siginfo_t*, const struct timespec*);
int __wrap_sigtimedwait(const sigset_t* set, siginfo_t* info, const struct timespec* timeout) {
    ++syscalls;
    return __real_sigtimedwait(set, info, timeout);
}
}

namespace {

struct options {
    std::uint64_t size = 64ULL << 20;
    std::uint64_t block = 64ULL << 10;
    int rounds = 10;
    std::string dir;
    double max_syscalls_per_block = 0;  // 0: not checked
};

[[noreturn]] void usage_error(const std::string& message) {
    std::fprintf(stderr,
                 "sendfile_loop_bench: %s\nusage: sendfile_loop_bench [--size BYTES] "
                 "[--block BYTES] [--rounds N] [--dir DIR] [--max-syscalls-per-block N]\n",
                 message.c_str());
    std::exit(2);
}

[[noreturn]] void fail(const std::string& what, int error) {
    std::fprintf(stderr, "sendfile_loop_bench: %s: %s\n", what.c_str(), std::strerror(error));
    std::exit(3);
}

std::uint64_t parse_size(const std::string& flag, const char* text) {
    char* end = nullptr;
    errno = 0;
    const unsigned long long value = std::strtoull(text, &end, 10);
    std::uint64_t scale = 1;
    if (end != nullptr && (*end == 'K' || *end == 'k')) {
        scale = 1024;
        ++end;
    } else if (end != nullptr && (*end == 'M' || *end == 'm')) {
        scale = 1024 * 1024;
        ++end;
    }
    if (errno != 0 || end == text || *end != '\0' || value == 0 || text[0] == '-' ||
        value > (1ULL << 40) / scale) {
        usage_error(flag + " wants a size from 1 to 1T, got '" + text + "'");
    }
    return value * scale;
}

options parse(int argc, char** argv) {
    options o;
    const char* tmp = std::getenv("TMPDIR");
    o.dir = tmp != nullptr && *tmp != '\0' ? tmp : "/var/tmp";
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        if (i + 1 >= argc) {
            usage_error("missing value after " + flag);
        }
        const char* value = argv[++i];
        if (flag == "--size") {
            o.size = parse_size(flag, value);
        } else if (flag == "--block") {
            o.block = parse_size(flag, value);
        } else if (flag == "--rounds") {
            char* end = nullptr;
            const long rounds = std::strtol(value, &end, 10);
            o.rounds = end != value && *end == '\0' && rounds >= 1 && rounds <= 100000
                           ? static_cast<int>(rounds)
                           : 0;
            if (o.rounds == 0) {
                usage_error("--rounds wants 1 to 100000, got '" + std::string(value) + "'");
            }
        } else if (flag == "--dir") {
            o.dir = value;
        } else if (flag == "--max-syscalls-per-block") {
            char* end = nullptr;
            o.max_syscalls_per_block = std::strtod(value, &end);
            if (end == value || *end != '\0' || !(o.max_syscalls_per_block > 0) ||
                o.max_syscalls_per_block > 1000) {
                usage_error("--max-syscalls-per-block wants a number from 0 to 1000");
            }
        } else {
            usage_error("unknown flag " + flag);
        }
    }
    return o;
}

// The file: created, unlinked at once, filled, read once so the page cache holds it.
int make_file(const options& o) {
    std::string path = o.dir + "/sfb-loop-bench-XXXXXX";
    const int fd = ::mkstemp(path.data());
    if (fd < 0) {
        fail("create a file in " + o.dir, errno);
    }
    ::unlink(path.c_str());
    std::vector<char> chunk(1 << 20);
    for (std::size_t i = 0; i < chunk.size(); ++i) {
        chunk[i] = static_cast<char>(i * 131 + 7);
    }
    for (std::uint64_t done = 0; done < o.size;) {
        const auto want =
            static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), o.size - done));
        const ssize_t n = ::write(fd, chunk.data(), want);
        if (n <= 0) {
            fail("write the file", n < 0 ? errno : ENOSPC);
        }
        done += static_cast<std::uint64_t>(n);
    }
    for (off_t off = 0; static_cast<std::uint64_t>(off) < o.size;) {
        const ssize_t n = ::pread(fd, chunk.data(), chunk.size(), off);
        if (n <= 0) {
            break;
        }
        off += n;
    }
    return fd;
}

struct connection {
    int sender = -1;
    int receiver = -1;
};

connection connect_loopback() {
    const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (listener < 0 || ::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listener, 1) != 0 ||
        ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        fail("listen on 127.0.0.1", errno);
    }
    connection c;
    c.sender = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c.sender < 0 || ::connect(c.sender, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        fail("connect to 127.0.0.1", errno);
    }
    c.receiver = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (c.receiver < 0) {
        fail("accept", errno);
    }
    ::close(listener);
    return c;
}

struct sample {
    double mb_per_s;
    double syscalls_per_block;
};

enum class variant { bare, library };

// Sends the whole file once with `v`; times it until the receiver counted its last byte.
sample transfer(variant v, const options& o, int file, const connection& c,
                const sfb_prepared& pair, const std::atomic<std::uint64_t>& received) {
    const std::uint64_t target = received.load() + o.size;
    const std::uint64_t blocks = (o.size + o.block - 1) / o.block;
    const auto start = std::chrono::steady_clock::now();
    syscalls = 0;
    if (v == variant::bare) {
        off_t offset = 0;
        while (static_cast<std::uint64_t>(offset) < o.size) {
            const auto want = static_cast<std::size_t>(
                std::min<std::uint64_t>(o.block, o.size - static_cast<std::uint64_t>(offset)));
            const ssize_t n =
                sfb::retry_on_eintr([&] { return ::sendfile(c.sender, file, &offset, want); });
            if (n < 0) {
                fail("sendfile", errno);
            }
            if (n == 0) {
                fail("sendfile", ENODATA);
            }
        }
    } else {
        sfb_request req{};
        req.out_fd = c.sender;
        req.in_fd = file;
        req.flags = SFB_SIGPIPE_IGNORED;
        for (std::uint64_t offset = 0; offset < o.size;) {
            req.offset = static_cast<std::int64_t>(offset);
            req.nbytes = std::min(o.block, o.size - offset);
            sfb_result r{};
            if (sfb_sendfile_prepared(&pair, &req, &r) != 0) {
                fail("sfb_sendfile_prepared", r.error);
            }
            offset += r.file_bytes;
        }
    }
    const std::uint64_t made = syscalls;
    while (received.load() < target) {
        std::this_thread::yield();
    }
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    return {static_cast<double>(o.size) / took.count() / 1e6,
            static_cast<double>(made) / static_cast<double>(blocks)};
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void summary(const char* name, const std::vector<double>& v, int decimals, const char* unit) {
    std::printf("%-22s median %10.*f  min %10.*f  max %10.*f %s\n", name, decimals, median(v),
                decimals, *std::min_element(v.begin(), v.end()), decimals,
                *std::max_element(v.begin(), v.end()), unit);
}

}  // namespace

int main(int argc, char** argv) {
    const options o = parse(argc, argv);
    ::signal(SIGPIPE, SIG_IGN);  // the promise SFB_SIGPIPE_IGNORED makes
    const int file = make_file(o);
    const connection c = connect_loopback();
    std::atomic<std::uint64_t> received{0};
    std::thread reader([&] {
        std::vector<char> buf(256 * 1024);
        for (;;) {
            const ssize_t n =
                sfb::retry_on_eintr([&] { return ::recv(c.receiver, buf.data(), buf.size(), 0); });
            if (n <= 0) {
                return;
            }
            received.fetch_add(static_cast<std::uint64_t>(n));
        }
    });
    sfb_prepared pair{};
    if (const int e = sfb_prepare(c.sender, file, &pair); e != 0) {
        fail("sfb_prepare", e);
    }
    std::printf("file %llu bytes, blocks of %llu, %d rounds, backend %s, loopback TCP\n",
                static_cast<unsigned long long>(o.size), static_cast<unsigned long long>(o.block),
                o.rounds, sfb_backend_name());
    transfer(variant::bare, o, file, c, pair, received);  // warm-up, not counted
    transfer(variant::library, o, file, c, pair, received);
    std::vector<double> bare;
    std::vector<double> lib;
    std::vector<double> ratio;
    double bare_calls = 0;
    double lib_calls = 0;
    for (int round = 0; round < o.rounds; ++round) {
        const sample a = transfer(variant::bare, o, file, c, pair, received);
        const sample b = transfer(variant::library, o, file, c, pair, received);
        bare.push_back(a.mb_per_s);
        lib.push_back(b.mb_per_s);
        ratio.push_back(b.mb_per_s / a.mb_per_s);
        bare_calls = std::max(bare_calls, a.syscalls_per_block);
        lib_calls = std::max(lib_calls, b.syscalls_per_block);
        std::printf("round %3d  bare %10.1f MB/s  library %10.1f MB/s  ratio %.3f\n", round + 1,
                    a.mb_per_s, b.mb_per_s, b.mb_per_s / a.mb_per_s);
    }
    ::shutdown(c.sender, SHUT_WR);
    reader.join();
    summary("bare sendfile(2)", bare, 1, "MB/s");
    summary("library fast path", lib, 1, "MB/s");
    summary("ratio library/bare", ratio, 3, "(per A-B pair)");
    std::printf("system calls per block: bare %.2f, library %.2f (most in any round)\n", bare_calls,
                lib_calls);
    if (o.max_syscalls_per_block > 0 &&
        (bare_calls > o.max_syscalls_per_block || lib_calls > o.max_syscalls_per_block)) {
        std::fprintf(stderr, "sendfile_loop_bench: more than %.2f system calls per block\n",
                     o.max_syscalls_per_block);
        return 1;
    }
    return 0;
}
