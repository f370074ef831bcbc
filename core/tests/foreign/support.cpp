#include "support.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sfb/retry.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <system_error>

namespace sfb::foreign {

namespace {

// Turns a hang into a failure: no passing test waits this long.
constexpr int kIoTimeoutMs = 20000;

[[noreturn]] void fail(const char* what) {
    throw std::system_error(errno, std::generic_category(), what);
}

}  // namespace

socket_pair tcp_pair() {
    unique_fd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (listener.get() < 0) {
        fail("socket");
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        ::listen(listener.get(), 1) != 0 ||
        ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        fail("bind/listen");
    }
    socket_pair pair;
    pair.sender = unique_fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (pair.sender.get() < 0 ||
        ::connect(pair.sender.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0) {
        fail("connect");
    }
    pair.receiver = unique_fd(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (pair.receiver.get() < 0) {
        fail("accept");
    }
    return pair;
}

unique_fd temp_file(std::string_view content) {
    std::string path = (std::filesystem::temp_directory_path() / "sfb-foreign-XXXXXX").string();
    unique_fd fd(::mkostemp(path.data(), O_CLOEXEC));
    if (fd.get() < 0) {
        fail("mkostemp");
    }
    ::unlink(path.c_str());
    sfb::test::write_all(fd.get(), content, "write " + path);
    return fd;
}

std::string random_bytes(std::size_t size, unsigned seed) {
    std::mt19937 random(seed);
    std::string bytes(size, '\0');
    for (char& c : bytes) {
        c = static_cast<char>(random() & 0xff);
    }
    return bytes;
}

std::string concat(const std::vector<std::string>& parts) {
    std::string all;
    for (const std::string& p : parts) {
        all += p;
    }
    return all;
}

std::vector<sfb_buffer> buffers(const std::vector<std::string>& parts) {
    std::vector<sfb_buffer> out;
    for (const std::string& p : parts) {
        out.push_back(sfb_buffer{p.data(), p.size()});
    }
    return out;
}

sfb_request make_request(int out_fd, int in_fd, std::int64_t offset, std::uint64_t nbytes,
                         std::span<const sfb_buffer> headers, std::span<const sfb_buffer> trailers,
                         int flags) {
    return sfb_request{.out_fd = out_fd,
                       .in_fd = in_fd,
                       .offset = offset,
                       .nbytes = nbytes,
                       .headers = headers.data(),
                       .header_count = headers.size(),
                       .trailers = trailers.data(),
                       .trailer_count = trailers.size(),
                       .flags = flags,
                       .already_sent = 0};
}

receiver::receiver(unique_fd socket, options opts) : socket_(std::move(socket)) {
    const timeval timeout{kIoTimeoutMs / 1000, 0};
    (void)::setsockopt(socket_.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    thread_ = std::thread([this, opts] { run(opts); });
}

receiver::~receiver() {
    if (thread_.joinable()) {
        thread_.join();
    }
}

void receiver::run(options opts) {
    std::this_thread::sleep_for(opts.slow_start);
    std::string chunk(64 * 1024, '\0');
    for (;;) {
        const ssize_t n =
            retry_on_eintr([&] { return ::recv(socket_.get(), chunk.data(), chunk.size(), 0); });
        if (n <= 0) {
            return;
        }
        received_.append(chunk.data(), static_cast<std::size_t>(n));
        if (received_.size() >= opts.close_after) {
            socket_.reset();  // unread data left behind: the kernel answers with a reset
            return;
        }
    }
}

std::string receiver::finish() {
    if (thread_.joinable()) {
        thread_.join();
    }
    return received_;
}

namespace {

// The part of `parts` after its first `done` bytes, as buffers.
std::vector<sfb_buffer> rest_of(const std::vector<std::string>& parts, std::uint64_t done) {
    std::vector<sfb_buffer> out;
    for (const std::string& p : parts) {
        const std::uint64_t skip = std::min<std::uint64_t>(done, p.size());
        done -= skip;
        if (skip < p.size()) {
            out.push_back(sfb_buffer{p.data() + skip, p.size() - skip});
        }
    }
    return out;
}

}  // namespace

resumed_send send_resuming(int out_fd, int in_fd, std::int64_t offset, std::uint64_t nbytes,
                           const std::vector<std::string>& headers,
                           const std::vector<std::string>& trailers, int flags) {
    const off_t file_size = ::lseek(in_fd, 0, SEEK_END);
    const std::uint64_t header_total = concat(headers).size();
    std::uint64_t headers_done = 0;
    std::uint64_t trailers_done = 0;
    resumed_send total;
    for (int round = 0; round < 1000000; ++round) {
        const std::vector<sfb_buffer> h = rest_of(headers, headers_done);
        const std::vector<sfb_buffer> t = rest_of(trailers, trailers_done);
        const std::uint64_t file_left = nbytes - total.file_bytes;
        // With the file part done, "0 bytes from the end of the file" asks for none of it.
        const std::int64_t from = file_left > 0
                                      ? offset + static_cast<std::int64_t>(total.file_bytes)
                                      : static_cast<std::int64_t>(file_size);
        const sfb_request req = make_request(out_fd, in_fd, from, file_left, h, t, flags);
        sfb_result r{};
        (void)sfb_sendfile(&req, &r);
        total.bytes_sent += r.bytes_sent;
        total.file_bytes += r.file_bytes;
        total.error = r.error;
        total.always_native = total.always_native && r.used_native == 1;
        const std::uint64_t around_file = r.bytes_sent - r.file_bytes;
        const std::uint64_t header_part = std::min(around_file, header_total - headers_done);
        headers_done += header_part;
        trailers_done += around_file - header_part;
        if (r.error == EAGAIN) {
            pollfd p{out_fd, POLLOUT, 0};
            (void)::poll(&p, 1, kIoTimeoutMs);
        } else if (r.error != EBUSY) {
            return total;
        }
        total.resumed_after.push_back(r.error);
    }
    throw std::runtime_error("send_resuming: no end in sight");
}

}  // namespace sfb::foreign
