#include "send_paths.h"

#include "ktls_paths.h"

#include <fcntl.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <poll.h>
#include <sfb/retry.h>
#include <sfb/sendfile.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

namespace sfb::bench {

namespace {

pass_outcome& fail(pass_outcome& out, int error, const char* call) {
    out.error = error;
    out.failed_call = call;
    return out;
}

std::uint64_t next_block(std::uint64_t block, std::uint64_t done, std::uint64_t size) {
    return std::min(block, size - done);
}

// Writes all of [data, data + size) with write() or send(MSG_NOSIGNAL), looping over short
// writes. Returns 0 or an errno value.
int put_all(int socket, const unsigned char* data, std::size_t size, bool use_send, int flags) {
    std::size_t put = 0;
    while (put < size) {
        const ssize_t n = retry_on_eintr([&] {
            return use_send ? ::send(socket, data + put, size - put, flags | MSG_NOSIGNAL)
                            : ::write(socket, data + put, size - put);
        });
        if (n < 0) {
            return errno;
        }
        put += static_cast<std::size_t>(n);
    }
    return 0;
}

// read_write and read_send: the file is read() into a buffer of one block, which is then
// written with write() or send() — pysendfile's comparison baseline. read() advances the
// file position, which belongs to the open file description, so each connection opens the
// file itself, as a server does per request (through /proc/self/fd, as the file has no name):
// with a shared descriptor, parallel connections (--sfb_connections) would steal each other's
// bytes.
class buffered_path final : public send_path {
  public:
    buffered_path(int socket, const bench_file& file, std::uint64_t block, bool use_send)
        : send_path(socket, file, block),
          own_fd_(::open(file.reopen_path().c_str(), O_RDONLY | O_CLOEXEC)),
          buffer_(static_cast<std::size_t>(std::min(block, file.size()))),
          use_send_(use_send) {}
    bool ok() const noexcept { return static_cast<bool>(own_fd_); }

    pass_outcome send_pass() override {
        pass_outcome out;
        if (::lseek(own_fd_.get(), 0, SEEK_SET) < 0) {
            return fail(out, errno, "lseek");
        }
        while (out.file_bytes < file_.size()) {
            const auto want =
                static_cast<std::size_t>(next_block(block_, out.file_bytes, file_.size()));
            const ssize_t n =
                retry_on_eintr([&] { return ::read(own_fd_.get(), buffer_.data(), want); });
            if (n < 0) {
                return fail(out, errno, "read");
            }
            if (n == 0) {
                return fail(out, ENODATA, "read (the file ended early)");
            }
            if (const int err =
                    put_all(socket_, buffer_.data(), static_cast<std::size_t>(n), use_send_, 0);
                err != 0) {
                return fail(out, err, use_send_ ? "send" : "write");
            }
            out.file_bytes += static_cast<std::uint64_t>(n);
        }
        return out;
    }

  private:
    unique_fd own_fd_;
    std::vector<unsigned char> buffer_;
    bool use_send_;
};

// sendfile and sendfile_emulated: the core library, one sfb_sendfile() call per block. The
// native path fails the pass if the library fell back to its emulation, so a "sendfile"
// result is never secretly a pread+send result.
class core_path final : public send_path {
  public:
    // The pair is checked once, here (sfb_prepare), so each block is one sendfile(2) call
    // rather than the checks of sfb_sendfile() plus the call.
    core_path(int socket, const bench_file& file, std::uint64_t block, bool emulated)
        : send_path(socket, file, block),
          emulated_(emulated),
          prepare_error_(sfb_prepare(socket, file.fd(), &prepared_)) {}
    int prepare_error() const noexcept { return prepare_error_; }

    pass_outcome send_pass() override {
        pass_outcome out;
        while (out.file_bytes < file_.size()) {
            sfb_request request{};
            request.out_fd = socket_;
            request.in_fd = file_.fd();
            request.offset = static_cast<std::int64_t>(out.file_bytes);
            request.nbytes = next_block(block_, out.file_bytes, file_.size());
            // bench_sendfile ignores SIGPIPE process-wide (main()), as servers do, so the
            // library's per-call SIGPIPE guard would only add two system calls per block.
            request.flags = SFB_SIGPIPE_IGNORED | (emulated_ ? SFB_FORCE_EMULATION : 0);
            sfb_result result{};
            sfb_sendfile_prepared(&prepared_, &request, &result);
            out.file_bytes += result.file_bytes;
            if (result.error != 0) {
                return fail(out, result.error, "sfb_sendfile_prepared");
            }
            if (!emulated_ && result.used_native == 0) {
                return fail(out, ENOSYS,
                            "sfb_sendfile_prepared (it used the emulation, not sendfile)");
            }
        }
        return out;
    }

  private:
    bool emulated_;
    sfb_prepared prepared_{};
    int prepare_error_;
};

// mmap_send: the file mapped once, each block sent straight from the mapping.
class mmap_path final : public send_path {
  public:
    mmap_path(int socket, const bench_file& file, std::uint64_t block)
        : send_path(socket, file, block), mapping_(file) {}
    bool ok() const noexcept { return mapping_.ok(); }

    pass_outcome send_pass() override {
        pass_outcome out;
        while (out.file_bytes < file_.size()) {
            const auto want =
                static_cast<std::size_t>(next_block(block_, out.file_bytes, file_.size()));
            if (const int err = put_all(socket_, mapping_.data() + out.file_bytes, want, true, 0);
                err != 0) {
                return fail(out, err, "send");
            }
            out.file_bytes += want;
        }
        return out;
    }
    int drop_cache() override { return mapping_.drop_cache(); }

  private:
    file_mapping mapping_;
};

// splice: file -> pipe -> socket, the zero-copy route that sendfile itself takes inside the
// kernel since Linux 2.6.23, done by hand: one splice into the pipe per block (capped at the
// pipe's size, which is raised to the block size up to /proc/sys/fs/pipe-max-size), then
// splices out of the pipe until it is empty.
class splice_path final : public send_path {
  public:
    splice_path(int socket, const bench_file& file, std::uint64_t block, std::string& error)
        : send_path(socket, file, block) {
        if (const int e = open_splice_pipe(block, file.size(), pipe_read_, pipe_write_, pipe_size_);
            e != 0) {
            error = std::string("pipe2: ") + std::strerror(e);
        }
    }
    bool ok() const noexcept { return static_cast<bool>(pipe_write_); }

    pass_outcome send_pass() override {
        pass_outcome out;
        loff_t offset = 0;
        const std::uint64_t size = file_.size();
        while (out.file_bytes < size) {
            const auto want = static_cast<std::size_t>(
                std::min<std::uint64_t>(next_block(block_, out.file_bytes, size), pipe_size_));
            const ssize_t in = retry_on_eintr([&] {
                return ::splice(file_.fd(), &offset, pipe_write_.get(), nullptr, want,
                                SPLICE_F_MOVE | SPLICE_F_MORE);
            });
            if (in < 0) {
                return fail(out, errno, "splice (file to pipe)");
            }
            if (in == 0) {
                return fail(out, ENODATA, "splice (the file ended early)");
            }
            const bool last = out.file_bytes + static_cast<std::uint64_t>(in) >= size;
            auto left = static_cast<std::size_t>(in);
            while (left > 0) {
                const ssize_t n = retry_on_eintr([&] {
                    return ::splice(
                        pipe_read_.get(), nullptr, socket_, nullptr, left,
                        SPLICE_F_MOVE | (last ? 0U : static_cast<unsigned>(SPLICE_F_MORE)));
                });
                if (n < 0) {
                    return fail(out, errno, "splice (pipe to socket)");
                }
                left -= static_cast<std::size_t>(n);
                out.file_bytes += static_cast<std::uint64_t>(n);
            }
        }
        return out;
    }

  private:
    unique_fd pipe_read_;
    unique_fd pipe_write_;
    std::size_t pipe_size_ = 0;
};

// msg_zerocopy: send(MSG_ZEROCOPY) from the file's mapping (read-only, so a page is never
// changed while the kernel still holds it). Each send() gets a notification id; the
// completions come back on the socket's error queue as id ranges (msg_zerocopy.rst in the
// kernel's networking documentation). The pass ends when every send of it has completed, so
// the cost of the completions is inside it. Over loopback the kernel copies anyway when the
// data reaches the receiving socket and says so with SO_EE_CODE_ZEROCOPY_COPIED.
class msg_zerocopy_path final : public send_path {
  public:
    msg_zerocopy_path(int socket, const bench_file& file, std::uint64_t block, std::string& error)
        : send_path(socket, file, block), mapping_(file) {
        const int on = 1;
        if (::setsockopt(socket, SOL_SOCKET, SO_ZEROCOPY, &on, sizeof on) != 0) {
            error = std::string("setsockopt(SO_ZEROCOPY): ") + std::strerror(errno);
            enabled_ = false;
        }
    }
    bool ok() const noexcept { return enabled_ && mapping_.ok(); }

    pass_outcome send_pass() override {
        pass_outcome out;
        while (out.file_bytes < file_.size()) {
            const auto want =
                static_cast<std::size_t>(next_block(block_, out.file_bytes, file_.size()));
            const ssize_t n = retry_on_eintr([&] {
                return ::send(socket_, mapping_.data() + out.file_bytes, want,
                              MSG_ZEROCOPY | MSG_NOSIGNAL);
            });
            if (n < 0) {
                if (errno == ENOBUFS) {
                    // Too many notifications pending (net.core.optmem_max): collect some.
                    if (const int err = collect(out, true); err != 0) {
                        return fail(out, err, "recvmsg(MSG_ERRQUEUE)");
                    }
                    continue;
                }
                return fail(out, errno, "send(MSG_ZEROCOPY)");
            }
            ++issued_;
            out.file_bytes += static_cast<std::uint64_t>(n);
            if (const int err = collect(out, false); err != 0) {
                return fail(out, err, "recvmsg(MSG_ERRQUEUE)");
            }
        }
        while (completed_ < issued_) {
            if (const int err = collect(out, true); err != 0) {
                return fail(out, err, "waiting for MSG_ZEROCOPY completions");
            }
        }
        return out;
    }
    int drop_cache() override { return mapping_.drop_cache(); }

  private:
    // Reads the completions queued now; with `wait`, first waits (up to 10 s) for one.
    int collect(pass_outcome& out, bool wait) {
        bool waited = !wait;
        for (;;) {
            alignas(cmsghdr) char control[256];
            msghdr message{};
            message.msg_control = control;
            message.msg_controllen = sizeof control;
            if (retry_on_eintr([&] { return ::recvmsg(socket_, &message, MSG_ERRQUEUE); }) < 0) {
                if (errno != EAGAIN && errno != EWOULDBLOCK) {
                    return errno;
                }
                if (waited || completed_ >= issued_) {
                    return 0;
                }
                // POLLERR is reported whenever the error queue is not empty.
                pollfd descriptor{socket_, 0, 0};
                const int ready = retry_on_eintr([&] { return ::poll(&descriptor, 1, 10'000); });
                if (ready < 0) {
                    return errno;
                }
                if (ready == 0) {
                    return ETIMEDOUT;
                }
                if ((descriptor.revents & POLLERR) == 0 && (descriptor.revents & POLLHUP) != 0) {
                    return EPIPE;
                }
                waited = true;
                continue;
            }
            for (cmsghdr* c = CMSG_FIRSTHDR(&message); c != nullptr; c = CMSG_NXTHDR(&message, c)) {
                const bool recverr = (c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
                                     (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR);
                if (!recverr) {
                    continue;
                }
                sock_extended_err error{};
                std::memcpy(&error, CMSG_DATA(c), sizeof error);
                if (error.ee_origin != SO_EE_ORIGIN_ZEROCOPY || error.ee_errno != 0) {
                    continue;
                }
                // ee_info..ee_data is an inclusive range of 32-bit ids (it may wrap).
                const std::uint64_t count =
                    static_cast<std::uint32_t>(error.ee_data - error.ee_info) + 1ULL;
                completed_ += count;
                out.zerocopy_completions += count;
                if ((error.ee_code & SO_EE_CODE_ZEROCOPY_COPIED) != 0) {
                    out.zerocopy_copied += count;
                }
            }
        }
    }

    file_mapping mapping_;
    bool enabled_ = true;
    std::uint64_t issued_ = 0;
    std::uint64_t completed_ = 0;
};

}  // namespace

std::string_view path_name(path_id p) noexcept {
    return sfb::format::to_string(p);
}

std::optional<path_id> parse_path(std::string_view name) noexcept {
    return sfb::format::parse_path_id(name);
}

bool is_zero_copy(path_id p) noexcept {
    return sfb::format::paths[static_cast<std::size_t>(p)].zero_copy;
}

int open_splice_pipe(std::uint64_t block, std::uint64_t file_size, unique_fd& read_end,
                     unique_fd& write_end, std::size_t& size) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        return errno;
    }
    read_end.reset(fds[0]);
    write_end.reset(fds[1]);
    std::ifstream limit("/proc/sys/fs/pipe-max-size");
    std::size_t read_limit = 0;
    const std::size_t max_size = (limit >> read_limit) ? read_limit : std::size_t{1} << 20;
    const auto wanted = static_cast<int>(
        std::clamp<std::uint64_t>(std::min(block, file_size), 64 * 1024, max_size));
    const int granted = ::fcntl(write_end.get(), F_SETPIPE_SZ, wanted);
    size = static_cast<std::size_t>(granted > 0 ? granted : ::fcntl(write_end.get(), F_GETPIPE_SZ));
    return 0;
}

file_mapping::file_mapping(const bench_file& file) : file_(file) {
    map();
}

file_mapping::~file_mapping() {
    if (data_ != nullptr) {
        ::munmap(const_cast<unsigned char*>(data_), static_cast<std::size_t>(file_.size()));
    }
}

int file_mapping::map() {
    void* map = ::mmap(nullptr, static_cast<std::size_t>(file_.size()), PROT_READ, MAP_SHARED,
                       file_.fd(), 0);
    if (map == MAP_FAILED) {
        data_ = nullptr;
        return errno;
    }
    data_ = static_cast<const unsigned char*>(map);
    return 0;
}

int file_mapping::drop_cache() {
    if (data_ != nullptr) {
        ::munmap(const_cast<unsigned char*>(data_), static_cast<std::size_t>(file_.size()));
        data_ = nullptr;
    }
    const int err = file_.drop_cache();
    const int map_err = map();
    return err != 0 ? err : map_err;
}

path_availability probe_path(path_id p, transport t) {
    switch (p) {
        case path_id::sendfile:
            if ((sfb_capabilities() & SFB_CAP_NATIVE) == 0) {
                return {false,
                        std::string("the core library has no native sendfile here (backend ") +
                            sfb_backend_name() + ")"};
            }
            return {};
        case path_id::msg_zerocopy: {
            const int family = t == transport::tcp4   ? AF_INET
                               : t == transport::tcp6 ? AF_INET6
                                                      : AF_UNIX;
            const unique_fd probe(::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0));
            const int on = 1;
            if (!probe || ::setsockopt(probe.get(), SOL_SOCKET, SO_ZEROCOPY, &on, sizeof on) != 0) {
                return {false, std::string("setsockopt(SO_ZEROCOPY) on a ") +
                                   std::string(transport_name(t)) +
                                   " socket: " + std::strerror(errno) +
                                   (is_tcp(t) ? "" : " (MSG_ZEROCOPY is for TCP and UDP only)")};
            }
            return {};
        }
        case path_id::io_uring_send:
        case path_id::io_uring_send_zc:
        case path_id::io_uring_splice:
            return probe_io_uring_path(p, t);
        case path_id::ktls_sendfile:
        case path_id::ktls_send:
            return probe_ktls_path(p, t);
        default:
            return {};
    }
}

std::unique_ptr<send_path> make_send_path(path_id p, int socket, const bench_file& file,
                                          std::uint64_t block, std::string& error) {
    switch (p) {
        case path_id::read_write:
        case path_id::read_send: {
            auto path =
                std::make_unique<buffered_path>(socket, file, block, p == path_id::read_send);
            if (!path->ok()) {
                error = "open " + file.reopen_path() + ": " + std::strerror(errno);
                return nullptr;
            }
            return path;
        }
        case path_id::sendfile:
        case path_id::sendfile_emulated: {
            auto path =
                std::make_unique<core_path>(socket, file, block, p == path_id::sendfile_emulated);
            if (const int err = path->prepare_error(); err != 0) {
                error = std::string("sfb_prepare: ") + std::strerror(err);
                return nullptr;
            }
            return path;
        }
        case path_id::mmap_send: {
            auto path = std::make_unique<mmap_path>(socket, file, block);
            if (!path->ok()) {
                error = std::string("mmap: ") + std::strerror(errno);
                return nullptr;
            }
            return path;
        }
        case path_id::splice: {
            auto path = std::make_unique<splice_path>(socket, file, block, error);
            return path->ok() ? std::move(path) : nullptr;
        }
        case path_id::msg_zerocopy: {
            auto path = std::make_unique<msg_zerocopy_path>(socket, file, block, error);
            if (!path->ok()) {
                if (error.empty()) {
                    error = std::string("mmap: ") + std::strerror(errno);
                }
                return nullptr;
            }
            return path;
        }
        case path_id::io_uring_send:
        case path_id::io_uring_send_zc:
        case path_id::io_uring_splice:
            return make_io_uring_path(p, socket, file, block, error);
        case path_id::ktls_sendfile:
        case path_id::ktls_send:
            return make_ktls_path(p, socket, file, block, error);
    }
    error = "unknown path";
    return nullptr;
}

}  // namespace sfb::bench
