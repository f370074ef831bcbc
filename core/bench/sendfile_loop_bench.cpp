// sendfile_loop_bench: bare loops of system calls that send a file over a socket, interleaved.
//
// One file (64 MiB by default, unlinked at once so nothing outlives the process) goes over one
// loopback TCP connection in blocks (64 KiB by default), round after round, alternating two
// variants (A B A B ...) after one warm-up of each:
//   bare     a bare loop of sendfile(2) calls;
//   library  the library's fast path, one sfb_sendfile_prepared() per block on a pair prepared
//            once, with SFB_SIGPIPE_IGNORED;
//   send     a bare loop of pread(2) into one buffer of a block and send(2) of it.
// A receiver thread reads (copy) or drops (discard: MSG_TRUNC) what arrives. The sender and
// the receiver can be pinned to one CPU (same) or two (split). A run of a variant sends the
// file once, or for --seconds S as many times as fit; with --shape pass it waits after each
// pass until the receiver got its last byte (as bench_sendfile's passes do), with --shape
// stream only at the end of the run. It prints each variant's MB/s (median, min, max), the
// ratio B/A of each pair, each run's CPU per pass of the sending and the receiving thread and
// how often the sender was preempted (which of the two threads does TCP's receive work on one
// CPU: core/README.md, "Does the suite agree with a bare loop?"), the pass times, and the
// system calls per block each variant made on the sending thread, counted by wrapping the
// calls with the linker (-Wl,--wrap, see loop_syscalls.h): the library is linked statically,
// so its calls go through the same wrappers as the bare loop's. The other flags (--wait,
// --reopen, --fsync, --rcvbuf) make the loop more like bench_sendfile, one thing at a time.
//
// Usage: usage_text in loop_options.cpp. Sizes take a K or M suffix. With --max-syscalls-per-block
// the program exits 1 when either variant made more system calls per block than N (the ctest smoke
// run checks 1). Exit 2 on bad arguments, 3 when a transfer fails.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <sfb/retry.h>
#include <sfb/sendfile.h>
#include <sfb/tcp_congestion.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "loop_options.h"
#include "loop_syscalls.h"
namespace sfb::loop_bench {

namespace {

// What the receiver counted, and how the sender waits for it: spinning with sched_yield(), or
// (--wait sleep) asleep on a condition variable that the receiver notifies once it counted
// what the sender awaits, as bench_sendfile's receiver does.
struct progress {
    std::atomic<std::uint64_t> received{0};
    std::atomic<std::uint64_t> awaited{0};
    std::mutex mutex;
    std::condition_variable changed;
    bool sleep = false;

    void add(std::uint64_t n) {
        const std::uint64_t now = received.fetch_add(n) + n;
        if (sleep && now >= awaited.load()) {
            { const std::lock_guard lock(mutex); }
            changed.notify_all();
        }
    }
    void wait_for(std::uint64_t target) {
        if (!sleep) {
            while (received.load() < target) {
                std::this_thread::yield();
            }
            return;
        }
        awaited.store(target);
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return received.load() >= target; });
    }
};

[[noreturn]] void fail(const std::string& what, int error) {
    std::fprintf(stderr, "sendfile_loop_bench: %s: %s\n", what.c_str(), std::strerror(error));
    std::exit(3);
}

const char* variant_name(variant v) {
    return v == variant::bare      ? "bare sendfile(2)"
           : v == variant::library ? "library fast path"
                                   : "pread(2)+send(2)";
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
    if (o.sync && ::fsync(fd) != 0) {
        fail("fsync the file", errno);
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

connection connect_loopback(int rcvbuf, const std::string& congestion) {
    const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    // Before listen(), so that the window scale of the accepted socket fits the buffer.
    if (rcvbuf > 0 && ::setsockopt(listener, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) != 0) {
        fail("setsockopt(SO_RCVBUF)", errno);
    }
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
    if (c.sender < 0) {
        fail("socket", errno);
    }
    if (const int e = set_tcp_congestion(c.sender, congestion); e != 0) {
        fail("TCP congestion control " + congestion, e);
    }
    if (::connect(c.sender, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
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
    double sender_cpu_us;     // per pass
    double receiver_cpu_us;   // per pass
    double sender_preempted;  // involuntary context switches of the sender, per pass
};

double cpu_us(clockid_t clock) {
    timespec t{};
    ::clock_gettime(clock, &t);
    return static_cast<double>(t.tv_sec) * 1e6 + static_cast<double>(t.tv_nsec) / 1e3;
}

long preemptions() {
    rusage usage{};
    ::getrusage(RUSAGE_THREAD, &usage);
    return usage.ru_nivcsw;
}

void pin_to(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(static_cast<std::size_t>(cpu), &set);
    if (::pthread_setaffinity_np(::pthread_self(), sizeof set, &set) != 0) {
        fail("pin a thread to CPU " + std::to_string(cpu), EINVAL);
    }
}

// One pass of the file in blocks of pread(2) into `buffer` and send(2) of what was read.
void send_pass(const options& o, int file, const connection& c, std::vector<char>& buffer) {
    static const int reopened =
        o.reopen ? ::open(("/proc/self/fd/" + std::to_string(file)).c_str(), O_RDONLY) : -1;
    if (o.reopen && ::lseek(reopened, 0, SEEK_SET) != 0) {
        fail("lseek", errno);
    }
    for (std::uint64_t offset = 0; offset < o.size;) {
        const auto want = static_cast<std::size_t>(std::min(o.block, o.size - offset));
        const ssize_t n = sfb::retry_on_eintr([&] {
            return o.reopen ? ::read(reopened, buffer.data(), want)
                            : ::pread(file, buffer.data(), want, static_cast<off_t>(offset));
        });
        if (n <= 0) {
            fail("pread", n < 0 ? errno : ENODATA);
        }
        for (std::size_t sent = 0; sent < static_cast<std::size_t>(n);) {
            const ssize_t m = sfb::retry_on_eintr([&] {
                return ::send(c.sender, buffer.data() + sent, static_cast<std::size_t>(n) - sent,
                              MSG_NOSIGNAL);
            });
            if (m < 0) {
                fail("send", errno);
            }
            sent += static_cast<std::size_t>(m);
        }
        offset += static_cast<std::uint64_t>(n);
    }
}

void one_pass(variant v, const options& o, int file, const connection& c, const sfb_prepared& pair,
              std::vector<char>& buffer);

// Sends the file with `v`: once, or for o.seconds as many times as fit, waiting for the
// receiver after each pass (shape pass) or only at the end (shape stream). Timed until the
// receiver counted its last byte.
sample transfer(variant v, const options& o, int file, const connection& c,
                const sfb_prepared& pair, progress& received, clockid_t receiver_clock,
                std::vector<char>& buffer, std::vector<double>& pass_ms) {
    const std::uint64_t blocks = (o.size + o.block - 1) / o.block;
    const std::uint64_t first = received.received.load();
    const double sender_start = cpu_us(CLOCK_THREAD_CPUTIME_ID);
    const double receiver_start = cpu_us(receiver_clock);
    const long preempted_start = preemptions();
    const auto start = std::chrono::steady_clock::now();
    const auto until = start + std::chrono::duration<double>(o.seconds);
    syscalls = 0;
    std::uint64_t made = 0;
    std::uint64_t passes = 0;
    do {
        const auto pass_start = std::chrono::steady_clock::now();
        one_pass(v, o, file, c, pair, buffer);
        made += syscalls;
        syscalls = 0;
        ++passes;
        if (o.run_shape == shape::pass) {
            received.wait_for(first + passes * o.size);
            pass_ms.push_back(std::chrono::duration<double, std::milli>(
                                  std::chrono::steady_clock::now() - pass_start)
                                  .count());
        }
    } while (std::chrono::steady_clock::now() < until);
    received.wait_for(first + passes * o.size);
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    const auto per_pass = [&](double total) { return total / static_cast<double>(passes); };
    return {static_cast<double>(passes * o.size) / took.count() / 1e6,
            static_cast<double>(made) / static_cast<double>(passes * blocks),
            per_pass(cpu_us(CLOCK_THREAD_CPUTIME_ID) - sender_start),
            per_pass(cpu_us(receiver_clock) - receiver_start),
            per_pass(static_cast<double>(preemptions() - preempted_start))};
}

// One pass of the file with `v`, not waiting for the receiver.
void one_pass(variant v, const options& o, int file, const connection& c, const sfb_prepared& pair,
              std::vector<char>& buffer) {
    if (v == variant::send) {
        send_pass(o, file, c, buffer);
    } else if (v == variant::bare) {
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

// One loopback connection with its receiver thread, which counts what arrives until the
// sender shuts the connection down (in the destructor).
struct receiving_link {
    receiving_link(const options& o, int file) : c(connect_loopback(o.rcvbuf, o.congestion)) {
        received.sleep = o.sleep;
        reader = std::thread([this, &o] { receive(o); });
        if (::pthread_getcpuclockid(reader.native_handle(), &reader_clock) != 0) {
            fail("pthread_getcpuclockid", EINVAL);
        }
        if (const int e = sfb_prepare(c.sender, file, &pair); e != 0) {
            fail("sfb_prepare", e);
        }
        if (o.handshake) {
            std::unique_lock lock(received.mutex);
            received.changed.wait(lock, [&] { return running; });
        }
    }
    receiving_link(const receiving_link&) = delete;
    receiving_link& operator=(const receiving_link&) = delete;
    ~receiving_link() {
        ::shutdown(c.sender, SHUT_WR);
        reader.join();
        ::close(c.sender);
        ::close(c.receiver);
    }

    void receive(const options& o) {
        if (o.where != placement::none) {
            pin_to(o.where == placement::split ? 1 : 0);
        }
        {
            const std::lock_guard lock(received.mutex);
            running = true;
        }
        received.changed.notify_all();
        std::vector<char> buf(static_cast<std::size_t>(o.recv_size));
        const int flags = o.discard ? MSG_TRUNC : 0;
        for (;;) {
            const ssize_t n = sfb::retry_on_eintr(
                [&] { return ::recv(c.receiver, buf.data(), buf.size(), flags); });
            if (n <= 0) {
                return;
            }
            received.add(static_cast<std::uint64_t>(n));
        }
    }

    connection c;
    progress received;
    clockid_t reader_clock{};
    bool running = false;  // under received.mutex
    sfb_prepared pair{};
    std::thread reader;
};

}  // namespace

}  // namespace sfb::loop_bench

int main(int argc, char** argv) {
    using namespace sfb::loop_bench;
    const options o = parse(argc, argv);
    if (const int e = sfb::congestion_available(o.congestion); e != 0) {
        std::fprintf(stderr, "sendfile_loop_bench: --congestion %s: %s\n", o.congestion.c_str(),
                     std::strerror(e));
        return 2;
    }
    ::signal(SIGPIPE, SIG_IGN);  // the promise SFB_SIGPIPE_IGNORED makes
    const int file = make_file(o);
    if (o.where != placement::none) {
        pin_to(0);
    }
    auto link = std::make_unique<receiving_link>(o, file);
    // Every run on the one connection, or on a new one (as bench_sendfile opens one for
    // each run of a benchmark).
    std::vector<double> pass_ms[2];  // the counted runs' passes of A and of B
    std::vector<double> warm_up_ms;
    const auto run = [&](variant v, std::vector<char>& buffer, std::vector<double>& passes) {
        if (o.fresh) {
            link = std::make_unique<receiving_link>(o, file);
            if (o.warm_pass) {
                one_pass(v, o, file, link->c, link->pair, buffer);
                link->received.wait_for(o.size);
            }
        }
        return transfer(v, o, file, link->c, link->pair, link->received, link->reader_clock, buffer,
                        passes);
    };
    std::vector<char> buffer(static_cast<std::size_t>(std::min(o.block, o.size)));
    std::printf(
        "file %llu bytes, blocks of %llu, %d rounds, backend %s, loopback TCP, "
        "placement %s, %s receiver (recv %llu), shape %s, congestion control %s\n",
        static_cast<unsigned long long>(o.size), static_cast<unsigned long long>(o.block), o.rounds,
        sfb_backend_name(),
        o.where == placement::none   ? "none"
        : o.where == placement::same ? "same"
                                     : "split",
        o.discard ? "discard" : "copy", static_cast<unsigned long long>(o.recv_size),
        o.run_shape == shape::pass ? "pass" : "stream",
        sfb::tcp_congestion_of(link->c.sender).c_str());
    run(o.a, buffer, warm_up_ms);  // warm-up, not counted
    run(o.b, buffer, warm_up_ms);
    std::vector<double> first;
    std::vector<double> second;
    std::vector<double> ratio;
    double first_calls = 0;
    double second_calls = 0;
    for (int round = 0; round < o.rounds; ++round) {
        const sample a = run(o.a, buffer, pass_ms[0]);
        const sample b = run(o.b, buffer, pass_ms[1]);
        first.push_back(a.mb_per_s);
        second.push_back(b.mb_per_s);
        ratio.push_back(b.mb_per_s / a.mb_per_s);
        first_calls = std::max(first_calls, a.syscalls_per_block);
        second_calls = std::max(second_calls, b.syscalls_per_block);
        std::printf(
            "round %3d  A %10.1f MB/s  B %10.1f MB/s  ratio B/A %.3f"
            "  CPU us/pass sender/receiver A %.0f/%.0f B %.0f/%.0f,"
            " sender preempted/pass A %.1f B %.1f\n",
            round + 1, a.mb_per_s, b.mb_per_s, b.mb_per_s / a.mb_per_s, a.sender_cpu_us,
            a.receiver_cpu_us, b.sender_cpu_us, b.receiver_cpu_us, a.sender_preempted,
            b.sender_preempted);
    }
    link.reset();
    std::printf("A = %s, B = %s\n", variant_name(o.a), variant_name(o.b));
    summary("A MB/s", first, 1, "MB/s");
    summary("B MB/s", second, 1, "MB/s");
    summary("ratio B/A", ratio, 3, "(per A-B pair)");
    for (int i = 0; i < 2 && o.run_shape == shape::pass; ++i) {
        std::vector<double>& t = pass_ms[i];
        std::sort(t.begin(), t.end());
        const auto at = [&](double q) {
            return t[static_cast<std::size_t>(q * static_cast<double>(t.size() - 1))];
        };
        std::printf(
            "%s pass ms: min %.2f q10 %.2f q25 %.2f median %.2f q75 %.2f q90 %.2f max %.2f"
            " (%zu passes)\n",
            i == 0 ? "A" : "B", t.front(), at(0.1), at(0.25), at(0.5), at(0.75), at(0.9), t.back(),
            t.size());
    }
    std::printf("system calls per block: A %.2f, B %.2f (most in any round)\n", first_calls,
                second_calls);
    if (o.max_syscalls_per_block > 0 &&
        (first_calls > o.max_syscalls_per_block || second_calls > o.max_syscalls_per_block)) {
        std::fprintf(stderr, "sendfile_loop_bench: more than %.2f system calls per block\n",
                     o.max_syscalls_per_block);
        return 1;
    }
    return 0;
}
