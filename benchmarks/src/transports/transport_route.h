// Where the bytes of each transport go, for the sessions and for the JSON context: a local
// connection over loopback or the veth pair, and the receiving host and route keys of
// format/contract.json (receiver_host, receiver_os_release, receiver_kernel_release,
// receiver_cpu_model, receiver_cpu_count, receiver_machine_fingerprint,
// receiver_network_settings, receiver_route, transport_route). Every run writes them, so that
// loopback, veth and remote results have the same keys: on loopback and veth the receiving
// host is this one.
#pragma once

#include <string>
#include <vector>

#include "loopback.h"
#include "machine_context.h"
#include "remote_receiver.h"

namespace sfb::bench {

// A connected pair over loopback (tcp4, tcp6, unix) or across the veth pair with MTU `mtu`
// (veth4, veth6). The remote transports have no local pair: they fail with `error` set.
connection connect_local(transport t, const socket_options& options, int mtu, std::string& error);

// The receiver and route keys for a run over `transports`; `sink` is the remote sink, or null.
context_entries route_context(const std::vector<transport>& transports, const remote_sink* sink,
                              int mtu);

}  // namespace sfb::bench
