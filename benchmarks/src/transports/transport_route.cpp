#include "transport_route.h"

#include "net_info.h"
#include "veth_transport.h"

namespace sfb::bench {

namespace {

std::string value_of(const context_entries& entries, const std::string& key) {
    for (const auto& [k, v] : entries) {
        if (k == key) {
            return v;
        }
    }
    return "unknown";
}

std::string route_text(const interface_info& info) {
    return info.name + ": mtu " + info.mtu + ", path mtu " + info.path_mtu + ", driver " +
           info.driver + ", " + info.offloads;
}

std::string local_route(transport t, int mtu) {
    if (t == transport::unix_stream) {
        return "no network interface (AF_UNIX)";
    }
    std::string error;
    const connection pair = connect_local(t, {}, mtu, error);
    if (!pair.sender) {
        return "unavailable (" + error + ")";
    }
    return route_text(interface_of_socket(pair.sender.get()));
}

}  // namespace

connection connect_local(transport t, const socket_options& options, int mtu, std::string& error) {
    if (is_remote(t)) {
        error = std::string(transport_name(t)) + " needs --sfb_remote";
        return {};
    }
    if (!is_veth(t)) {
        return connect_loopback(t, options, error);
    }
    const veth_network* network = veth_network::get(mtu, error);
    if (network == nullptr) {
        return {};
    }
    return network->connect(t == transport::veth6, options, error);
}

context_entries route_context(const std::vector<transport>& transports, const remote_sink* sink,
                              int mtu) {
    const context_entries host = sink != nullptr ? sink->context() : host_description();
    const auto get = [&](const char* key) { return value_of(host, key); };
    std::string settings;
    for (const char* key : {"tcp_rmem", "tcp_wmem", "tcp_congestion_control", "rmem_max",
                            "wmem_max", "irq_time_accounting"}) {
        settings += (settings.empty() ? "" : "; ") + std::string(key) + "=" + get(key);
    }
    std::string routes;
    for (const transport t : transports) {
        const std::string route =
            sink != nullptr ? route_text(sink->local_route()) : local_route(t, mtu);
        routes += (routes.empty() ? "" : "; ") + std::string(transport_name(t)) + " = " + route;
    }
    std::string receiver_route = "this host (see transport_route)";
    if (sink != nullptr) {
        receiver_route = get("interface") + ": mtu " + get("mtu") + ", path mtu " +
                         get("path_mtu") + ", driver " + get("driver") + ", " + get("offloads");
    }
    return {
        {"receiver_host", sink != nullptr
                              ? sink->address_text() + " (sfb-sink " + get("sfb_version") +
                                    ", commit " + get("sfb_git_commit") + ")"
                              : "this host"},
        {"receiver_os_release", get("os_release")},
        {"receiver_kernel_release", get("kernel_release")},
        {"receiver_cpu_model", get("cpu_model")},
        {"receiver_cpu_count", get("cpu_count")},
        {"receiver_machine_fingerprint", get("machine_fingerprint")},
        {"receiver_network_settings", settings},
        {"receiver_route", receiver_route},
        {"transport_route", routes},
    };
}

}  // namespace sfb::bench
