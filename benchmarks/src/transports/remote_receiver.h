// The sending side of a run against sfb-sink (--sfb_remote=HOST:PORT): the control connection
// that holds the session open for the whole run, and, per benchmark connection, a data
// connection whose receiver is the sink. The protocol is sink/protocol/protocol.h. Whatever
// the sink says is checked before it is used: numbers against what was sent and what came
// before, line counts and waits bounded, its words shown only escaped and cut (sfb::printable).
#pragma once

#include <sfb/unique_fd.h>
#include <sys/socket.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "loopback.h"
#include "machine_context.h"
#include "net_info.h"
#include "pass_receiver.h"
#include "protocol.h"

namespace sfb::bench {

class remote_receiver final : public pass_receiver {
  public:
    // `socket` stays owned by the caller (it is the sending socket) and must outlive this;
    // `pass_bytes` is the size of a pass, as the data handshake told the sink.
    remote_receiver(int socket, std::uint64_t pass_bytes)
        : socket_(socket), pass_bytes_(pass_bytes), reader_(socket) {}

    bool wait_for_total(std::uint64_t total, std::chrono::milliseconds stall) override;
    bool finish(std::chrono::milliseconds stall) override;
    std::uint64_t bytes_received() const noexcept override { return last_.received; }
    std::uint64_t bytes_verified() const noexcept override { return last_.verified; }
    double cpu_us() const noexcept override {
        return static_cast<double>(last_.thread_cpu_ns) / 1e3;
    }
    std::string error() const override { return error_; }
    // The sink's thread is on another host: its CPUs say nothing about this one's.
    const cpu_trace& cpus() const noexcept override { return no_cpus_; }
    std::optional<host_cpu_us> receiver_host_cpu() const override {
        return host_cpu_us{static_cast<double>(last_.host_busy_us),
                           static_cast<double>(last_.host_softirq_us)};
    }

  private:
    // open_data reads the handshake's answer through reader_, so a report that arrives in the
    // same segment as OK is not lost.
    friend class remote_sink;

    // Reads one line from the sink, waiting at most `stall` and never past `deadline`; false
    // with error_ set unless it is a report that may follow the last one, sent <= `sent`.
    bool next_report(std::chrono::milliseconds stall,
                     std::chrono::steady_clock::time_point deadline, std::uint64_t sent,
                     sink::pass_report& report, bool& end);

    int socket_;
    std::uint64_t pass_bytes_;
    sink::line_reader reader_;
    sink::pass_report last_{};
    std::string error_;
    cpu_trace no_cpus_;
};

// A data connection: the connected sending socket and the sink's receiver behind it.
struct remote_connection {
    unique_fd sender;
    std::unique_ptr<remote_receiver> receiver;
};

class remote_sink {
  public:
    // Resolves HOST:PORT ("[ADDR]:PORT" for an IPv6 literal), opens the control connection,
    // presents `token` and reads the receiving host's context. nullptr with `error` set when
    // the sink cannot be reached, refuses, is busy or does not speak the protocol.
    static std::unique_ptr<remote_sink> connect(std::string_view host_port, std::string_view token,
                                                std::string& error);

    // Opens one data connection in this session.
    remote_connection open_data(const socket_options& sockets, const receiver_config& receiver,
                                std::string& error) const;

    bool ipv6() const noexcept { return address_.ss_family == AF_INET6; }
    const std::string& address_text() const noexcept { return text_; }
    // The receiving host's description as the sink sent it: machine_context()'s keys for that
    // host, then interface, mtu, path_mtu, driver, offloads (its side of the route), rmem_max
    // and wmem_max.
    const context_entries& context() const noexcept { return context_; }
    // This host's side of the route to the sink.
    const interface_info& local_route() const noexcept { return local_route_; }

  private:
    remote_sink() = default;
    // Presents `token` on the connected control socket and reads the answer and the context,
    // all within one deadline.
    bool handshake(std::string_view token, std::string& error);
    unique_fd control_;
    sockaddr_storage address_{};
    socklen_t address_length_ = 0;
    std::string text_;
    std::string session_;
    context_entries context_;
    interface_info local_route_;
};

}  // namespace sfb::bench
