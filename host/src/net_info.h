// What the network path under a connected socket is made of: the interface that holds the
// socket's local address, its MTU, its driver and its offloads. Both ends record this in the
// JSON context (transport_* on the sender, receiver_* from sfb-sink), because a veth pair at
// 1500 bytes, loopback at 64 KiB and a NIC with TSO and GRO move the same file very differently.
#pragma once

#include <string>

namespace sfb::bench {

struct interface_info {
    std::string name = "unknown";
    std::string mtu = "unknown";       // the interface's MTU
    std::string path_mtu = "unknown";  // IP_MTU / IPV6_MTU of the connected socket
    std::string driver = "unknown";    // ETHTOOL_GDRVINFO, e.g. veth, virtio_net; none for lo
    // "tso=on gso=on gro=on sg=on tx_csum=on rx_csum=on" from the legacy ethtool ioctls.
    std::string offloads = "unknown";
};

// The interface of the local address of connected socket `fd`, looked up in the network
// namespace of the calling thread (which must be the socket's).
interface_info interface_of_socket(int fd);

// Driver and offloads of interface `name` in the calling thread's network namespace.
std::string interface_driver(const std::string& name);
std::string interface_offloads(const std::string& name);

}  // namespace sfb::bench
