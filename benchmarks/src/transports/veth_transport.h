// The veth transports (--sfb_transport=veth4, veth6): the receiver's socket lives in a private
// network namespace joined to the sender's by a veth pair, so every byte crosses a network
// driver with a real MTU (--sfb_mtu, default 1500) and the kernel's default offloads, instead
// of loopback's 64 KiB MTU. The receiver is still the in-process loopback_receiver thread:
// a socket keeps its namespace whatever thread reads it.
//
// One pair per process, made on first use and kept until the process ends (netns.h says why
// it cannot outlive the process). Addresses: IPv4 from the benchmarking range 198.18.0.0/15
// (RFC 2544), a /30 chosen from the process id, so concurrent runs in one namespace do not
// collide; the sending socket is bound to its veth end (SO_BINDTODEVICE) so a route of another
// run can never carry it. IPv6: the link-local fe80::1 and fe80::2 with the interface as the
// scope, which no router forwards.
#pragma once

#include <memory>
#include <string>

#include "loopback.h"
#include "netns.h"

namespace sfb::bench {

class veth_network {
  public:
    // The process's pair with `mtu` (68 to 65535), made on the first call; later calls return
    // the same pair (and fail if they ask for another MTU). nullptr with `error` set, e.g.
    // without CAP_NET_ADMIN.
    static veth_network* get(int mtu, std::string& error);
    ~veth_network();
    veth_network(const veth_network&) = delete;
    veth_network& operator=(const veth_network&) = delete;

    // A connected pair across the veth link: the sender here, the receiver in the private
    // namespace.
    connection connect(bool ipv6, const socket_options& options, std::string& error) const;

  private:
    veth_network() = default;
    bool build(int mtu, std::string& error);

    std::unique_ptr<network_namespace> peer_ns_;
    std::string name_;
    std::string peer_name_;
    unsigned index_ = 0;
    unsigned peer_index_ = 0;
    int mtu_ = 0;
    in_addr local4_{};
    in_addr peer4_{};
};

}  // namespace sfb::bench
