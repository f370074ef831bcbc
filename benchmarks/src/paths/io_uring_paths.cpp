// The io_uring paths (liburing). io_uring may be compiled in and still unusable: the kernel
// may lack an opcode, and /proc/sys/kernel/io_uring_disabled (Linux 6.6+) may forbid rings
// to everyone (2) or to processes outside kernel.io_uring_group (1). probe_io_uring_path()
// therefore creates a ring and, for send_zc, sends one byte over a real connection.
//
// Each batch queues up to kDepth operations as one IOSQE_IO_LINK chain and enters the kernel
// once (io_uring_submit_and_wait), so the chain keeps the stream in order and a short or
// failed operation cancels the rest (-ECANCELED); the pass then resumes at the first byte that
// did not go out. Sends use MSG_WAITALL so that a stream socket's partial send is retried by
// the kernel (Linux 5.19+) rather than breaking the chain.
//
// Work that io_uring hands to its io-wq kernel threads (the file side of a splice) is not the
// sending thread's CPU time; system_cpu_us covers it.
#include <fcntl.h>
#include <liburing.h>
#include <sfb/retry.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "send_paths.h"
#include "syscall_count.h"

// liburing 2.3's copy of the kernel header predates these (Linux 6.2,
// include/uapi/linux/io_uring.h).
#ifndef IORING_SEND_ZC_REPORT_USAGE
#define IORING_SEND_ZC_REPORT_USAGE (1U << 3)
#endif
#ifndef IORING_NOTIF_USAGE_ZC_COPIED
#define IORING_NOTIF_USAGE_ZC_COPIED (1U << 31)
#endif

namespace sfb::bench {

namespace {

constexpr unsigned kDepth = 16;

std::string errno_text(int err) {
    return std::strerror(err);
}

class uring {
  public:
    uring() { error_ = -io_uring_queue_init(kDepth * 2, &ring_, 0); }
    ~uring() {
        if (error_ == 0) {
            io_uring_queue_exit(&ring_);
        }
    }
    uring(const uring&) = delete;
    uring& operator=(const uring&) = delete;
    int error() const noexcept { return error_; }
    io_uring* get() noexcept { return &ring_; }

    // Submits the queued operations and waits for `count` completions: one io_uring_enter.
    int submit_and_wait(unsigned count) {
        count_syscall();
        const int r = io_uring_submit_and_wait(&ring_, count);
        return r < 0 && r != -EINTR ? -r : 0;
    }
    // The next completion, entering the kernel only when none is ready. Returns 0 or errno.
    int next(io_uring_cqe** cqe) {
        if (io_uring_peek_cqe(&ring_, cqe) == 0) {
            return 0;
        }
        return -retry_on_negative_eintr([&] {
            count_syscall();
            return io_uring_wait_cqe(&ring_, cqe);
        });
    }
    void seen(io_uring_cqe* cqe) { io_uring_cqe_seen(&ring_, cqe); }

  private:
    io_uring ring_{};
    int error_ = 0;
};

pass_outcome& fail(pass_outcome& out, int error, const char* call) {
    out.error = error;
    out.failed_call = call;
    return out;
}

// io_uring_send and io_uring_send_zc: sends from the file's mapping.
class uring_send_path final : public send_path {
  public:
    uring_send_path(int socket, const bench_file& file, std::uint64_t block, bool zero_copy)
        : send_path(socket, file, block), mapping_(file), zero_copy_(zero_copy) {}
    int setup_error() const noexcept {
        return ring_.error() != 0 ? ring_.error() : mapping_.ok() ? 0 : EINVAL;
    }
    int drop_cache() override { return mapping_.drop_cache(); }

    pass_outcome send_pass() override {
        pass_outcome out;
        const std::uint64_t size = file_.size();
        std::uint64_t notifications_pending = 0;
        while (out.file_bytes < size) {
            std::array<std::uint64_t, kDepth> lengths{};
            std::array<int, kDepth> results{};
            unsigned queued = 0;
            io_uring_sqe* last = nullptr;
            for (std::uint64_t at = out.file_bytes; queued < kDepth && at < size; ++queued) {
                const std::uint64_t length = std::min(block_, size - at);
                io_uring_sqe* sqe = io_uring_get_sqe(ring_.get());
                const void* data = mapping_.data() + at;
                const auto bytes = static_cast<std::size_t>(length);
                if (zero_copy_) {
                    io_uring_prep_send_zc(sqe, socket_, data, bytes, MSG_WAITALL | MSG_NOSIGNAL,
                                          IORING_SEND_ZC_REPORT_USAGE);
                } else {
                    io_uring_prep_send(sqe, socket_, data, bytes, MSG_WAITALL | MSG_NOSIGNAL);
                }
                io_uring_sqe_set_data64(sqe, queued);
                sqe->flags |= IOSQE_IO_LINK;
                lengths[queued] = length;
                at += length;
                last = sqe;
            }
            last->flags &= static_cast<unsigned char>(~IOSQE_IO_LINK);
            if (const int err = ring_.submit_and_wait(queued); err != 0) {
                return fail(out, err, "io_uring_submit_and_wait");
            }
            for (unsigned done = 0; done < queued;) {
                io_uring_cqe* cqe = nullptr;
                if (const int err = ring_.next(&cqe); err != 0) {
                    return fail(out, err, "io_uring_wait_cqe");
                }
                if ((cqe->flags & IORING_CQE_F_NOTIF) != 0) {
                    count_notification(out, cqe, notifications_pending);
                } else {
                    results[io_uring_cqe_get_data64(cqe)] = cqe->res;
                    if ((cqe->flags & IORING_CQE_F_MORE) != 0) {
                        ++notifications_pending;
                    }
                    ++done;
                }
                ring_.seen(cqe);
            }
            for (unsigned i = 0; i < queued; ++i) {
                if (results[i] == -ECANCELED) {
                    break;  // an earlier link ended short; resume after what went out
                }
                if (results[i] < 0) {
                    return fail(out, -results[i],
                                zero_copy_ ? "io_uring send_zc" : "io_uring send");
                }
                out.file_bytes += static_cast<std::uint64_t>(results[i]);
                if (static_cast<std::uint64_t>(results[i]) != lengths[i]) {
                    break;
                }
            }
        }
        while (notifications_pending > 0) {
            io_uring_cqe* cqe = nullptr;
            if (const int err = ring_.next(&cqe); err != 0) {
                return fail(out, err, "io_uring_wait_cqe (send_zc notification)");
            }
            if ((cqe->flags & IORING_CQE_F_NOTIF) != 0) {
                count_notification(out, cqe, notifications_pending);
            }
            ring_.seen(cqe);
        }
        return out;
    }

  private:
    static void count_notification(pass_outcome& out, const io_uring_cqe* cqe,
                                   std::uint64_t& pending) {
        --pending;
        ++out.zerocopy_completions;
        if ((static_cast<std::uint32_t>(cqe->res) & IORING_NOTIF_USAGE_ZC_COPIED) != 0) {
            ++out.zerocopy_copied;
        }
    }

    uring ring_;
    file_mapping mapping_;
    bool zero_copy_;
};

// io_uring_splice: file -> pipe -> socket as linked IORING_OP_SPLICE pairs.
class uring_splice_path final : public send_path {
  public:
    uring_splice_path(int socket, const bench_file& file, std::uint64_t block)
        : send_path(socket, file, block) {
        pipe_error_ = open_splice_pipe(block, file.size(), pipe_read_, pipe_write_, pipe_size_);
    }
    int setup_error() const noexcept { return ring_.error() != 0 ? ring_.error() : pipe_error_; }

    pass_outcome send_pass() override {
        pass_outcome out;
        const std::uint64_t size = file_.size();
        std::uint64_t read_from_file = 0;
        std::uint64_t in_pipe = 0;
        while (out.file_bytes < size) {
            if (in_pipe > 0) {
                // A short splice broke the chain with bytes left in the pipe: drain them first.
                io_uring_sqe* sqe = io_uring_get_sqe(ring_.get());
                io_uring_prep_splice(sqe, pipe_read_.get(), -1, socket_, -1,
                                     static_cast<unsigned>(in_pipe), SPLICE_F_MOVE);
                int result = 0;
                if (const int err = run_one(result); err != 0 || result < 0) {
                    return fail(out, err != 0 ? err : -result, "io_uring splice (pipe to socket)");
                }
                in_pipe -= static_cast<std::uint64_t>(result);
                out.file_bytes += static_cast<std::uint64_t>(result);
                continue;
            }
            std::array<std::uint64_t, kDepth / 2> lengths{};
            std::array<int, kDepth> results{};
            const unsigned pairs = queue_chain(read_from_file, lengths);
            if (const int err = ring_.submit_and_wait(2 * pairs); err != 0) {
                return fail(out, err, "io_uring_submit_and_wait");
            }
            for (unsigned done = 0; done < 2 * pairs; ++done) {
                io_uring_cqe* cqe = nullptr;
                if (const int err = ring_.next(&cqe); err != 0) {
                    return fail(out, err, "io_uring_wait_cqe");
                }
                results[io_uring_cqe_get_data64(cqe)] = cqe->res;
                ring_.seen(cqe);
            }
            for (unsigned i = 0; i < pairs; ++i) {
                const int into_pipe = results[2 * i];
                const int out_of_pipe = results[2 * i + 1];
                if (into_pipe == -ECANCELED) {
                    break;
                }
                if (into_pipe < 0) {
                    return fail(out, -into_pipe, "io_uring splice (file to pipe)");
                }
                if (into_pipe == 0) {
                    return fail(out, ENODATA, "io_uring splice (the file ended early)");
                }
                read_from_file += static_cast<std::uint64_t>(into_pipe);
                in_pipe += static_cast<std::uint64_t>(into_pipe);
                if (out_of_pipe < 0 && out_of_pipe != -ECANCELED) {
                    return fail(out, -out_of_pipe, "io_uring splice (pipe to socket)");
                }
                if (out_of_pipe > 0) {
                    in_pipe -= static_cast<std::uint64_t>(out_of_pipe);
                    out.file_bytes += static_cast<std::uint64_t>(out_of_pipe);
                }
                if (static_cast<std::uint64_t>(into_pipe) != lengths[i] ||
                    out_of_pipe != into_pipe) {
                    break;
                }
            }
        }
        return out;
    }

  private:
    // Queues one chain of up to kDepth / 2 linked splice pairs (file to pipe, pipe to socket)
    // from file offset `from`. Returns how many pairs, with each one's length in `lengths`.
    unsigned queue_chain(std::uint64_t from, std::array<std::uint64_t, kDepth / 2>& lengths) {
        const std::uint64_t size = file_.size();
        unsigned pairs = 0;
        io_uring_sqe* last = nullptr;
        for (std::uint64_t at = from; pairs < kDepth / 2 && at < size; ++pairs) {
            const std::uint64_t length = std::min({block_, size - at, std::uint64_t{pipe_size_}});
            const bool more = at + length < size;
            io_uring_sqe* in = io_uring_get_sqe(ring_.get());
            io_uring_prep_splice(in, file_.fd(), static_cast<std::int64_t>(at), pipe_write_.get(),
                                 -1, static_cast<unsigned>(length), SPLICE_F_MOVE);
            io_uring_sqe_set_data64(in, 2 * pairs);
            in->flags |= IOSQE_IO_LINK;
            io_uring_sqe* outgoing = io_uring_get_sqe(ring_.get());
            io_uring_prep_splice(outgoing, pipe_read_.get(), -1, socket_, -1,
                                 static_cast<unsigned>(length),
                                 SPLICE_F_MOVE | (more ? SPLICE_F_MORE : 0U));
            io_uring_sqe_set_data64(outgoing, 2 * pairs + 1);
            outgoing->flags |= IOSQE_IO_LINK;
            lengths[pairs] = length;
            at += length;
            last = outgoing;
        }
        last->flags &= static_cast<unsigned char>(~IOSQE_IO_LINK);
        return pairs;
    }

    int run_one(int& result) {
        if (const int err = ring_.submit_and_wait(1); err != 0) {
            return err;
        }
        io_uring_cqe* cqe = nullptr;
        if (const int err = ring_.next(&cqe); err != 0) {
            return err;
        }
        result = cqe->res;
        ring_.seen(cqe);
        return 0;
    }

    uring ring_;
    unique_fd pipe_read_;
    unique_fd pipe_write_;
    int pipe_error_ = 0;
    std::size_t pipe_size_ = 0;
};

int io_uring_disabled_setting() {
    std::ifstream in("/proc/sys/kernel/io_uring_disabled");
    int value = 0;
    return (in >> value) ? value : 0;
}

// Sends one byte with send_zc and IORING_SEND_ZC_REPORT_USAGE over a real connection: only
// the kernel knows whether it supports both on this kind of socket.
path_availability probe_send_zc(uring& ring, transport t) {
    std::string error;
    connection pair = connect_loopback(t, {}, error);
    if (!pair.sender) {
        return {false, "cannot open a " + std::string(transport_name(t)) + " connection: " + error};
    }
    const char byte = 'x';
    io_uring_sqe* sqe = io_uring_get_sqe(ring.get());
    io_uring_prep_send_zc(sqe, pair.sender.get(), &byte, 1, MSG_NOSIGNAL,
                          IORING_SEND_ZC_REPORT_USAGE);
    if (const int err = ring.submit_and_wait(1); err != 0) {
        return {false, "io_uring_submit_and_wait: " + errno_text(err)};
    }
    bool more = false;
    int result = 0;
    io_uring_cqe* cqe = nullptr;
    if (const int err = ring.next(&cqe); err != 0) {
        return {false, "io_uring_wait_cqe: " + errno_text(err)};
    }
    result = cqe->res;
    more = (cqe->flags & IORING_CQE_F_MORE) != 0;
    ring.seen(cqe);
    if (more && ring.next(&cqe) == 0) {
        ring.seen(cqe);
    }
    if (result == -EOPNOTSUPP) {
        return {false, "io_uring send_zc is not supported on " + std::string(transport_name(t)) +
                           " sockets (zero-copy send exists for TCP and UDP only)"};
    }
    if (result == -EINVAL) {
        return {false, "the kernel refused send_zc with IORING_SEND_ZC_REPORT_USAGE (Linux 6.2+)"};
    }
    if (result != 1) {
        return {false, "io_uring send_zc probe: " + errno_text(result < 0 ? -result : EIO)};
    }
    return {};
}

}  // namespace

path_availability probe_io_uring_path(path_id p, transport t) {
    const int disabled = io_uring_disabled_setting();
    if (disabled == 2) {
        return {false, "io_uring is disabled (/proc/sys/kernel/io_uring_disabled = 2)"};
    }
    uring ring;
    if (ring.error() != 0) {
        std::string reason = "io_uring_queue_init: " + errno_text(ring.error());
        if (disabled == 1) {
            reason += " (/proc/sys/kernel/io_uring_disabled = 1: only kernel.io_uring_group may)";
        }
        return {false, reason};
    }
    io_uring_probe* probe = io_uring_get_probe_ring(ring.get());
    if (probe == nullptr) {
        return {false, "io_uring_get_probe_ring failed (kernel older than 5.6)"};
    }
    const int opcode = p == path_id::io_uring_send      ? IORING_OP_SEND
                       : p == path_id::io_uring_send_zc ? IORING_OP_SEND_ZC
                                                        : IORING_OP_SPLICE;
    const bool supported = io_uring_opcode_supported(probe, opcode) != 0;
    io_uring_free_probe(probe);
    if (!supported) {
        return {false, std::string("the kernel's io_uring lacks ") +
                           (p == path_id::io_uring_send      ? "IORING_OP_SEND"
                            : p == path_id::io_uring_send_zc ? "IORING_OP_SEND_ZC (Linux 6.0+)"
                                                             : "IORING_OP_SPLICE")};
    }
    if (p == path_id::io_uring_send_zc) {
        return probe_send_zc(ring, t);
    }
    return {};
}

std::unique_ptr<send_path> make_io_uring_path(path_id p, int socket, const bench_file& file,
                                              std::uint64_t block, std::string& error) {
    if (p == path_id::io_uring_splice) {
        auto path = std::make_unique<uring_splice_path>(socket, file, block);
        if (const int err = path->setup_error(); err != 0) {
            error = "io_uring splice setup: " + errno_text(err);
            return nullptr;
        }
        return path;
    }
    auto path =
        std::make_unique<uring_send_path>(socket, file, block, p == path_id::io_uring_send_zc);
    if (const int err = path->setup_error(); err != 0) {
        error = "io_uring setup: " + errno_text(err);
        return nullptr;
    }
    return path;
}

}  // namespace sfb::bench
