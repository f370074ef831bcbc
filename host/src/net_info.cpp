#include "net_info.h"

#include <ifaddrs.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sfb/unique_fd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cstring>

namespace sfb::bench {

namespace {

// One SIOCETHTOOL request on interface `name` (netdevice(7), linux/ethtool.h).
bool ethtool_request(const std::string& name, void* data) {
    const unique_fd probe(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!probe || name.size() >= IFNAMSIZ) {
        return false;
    }
    ifreq request{};
    std::memcpy(request.ifr_name, name.c_str(), name.size() + 1);
    request.ifr_data = static_cast<char*>(data);
    return ::ioctl(probe.get(), SIOCETHTOOL, &request) == 0;
}

bool same_address(const sockaddr* a, const sockaddr_storage& b) {
    if (a == nullptr || a->sa_family != b.ss_family) {
        return false;
    }
    if (a->sa_family == AF_INET) {
        return reinterpret_cast<const sockaddr_in*>(a)->sin_addr.s_addr ==
               reinterpret_cast<const sockaddr_in*>(&b)->sin_addr.s_addr;
    }
    if (a->sa_family == AF_INET6) {
        return std::memcmp(&reinterpret_cast<const sockaddr_in6*>(a)->sin6_addr,
                           &reinterpret_cast<const sockaddr_in6*>(&b)->sin6_addr,
                           sizeof(in6_addr)) == 0;
    }
    return false;
}

}  // namespace

std::string interface_driver(const std::string& name) {
    ethtool_drvinfo info{};
    info.cmd = ETHTOOL_GDRVINFO;
    if (!ethtool_request(name, &info)) {
        // The loopback device has no driver information (and no ethtool drvinfo op).
        return name == "lo" ? "none (loopback)" : "unknown";
    }
    info.driver[sizeof info.driver - 1] = '\0';
    return info.driver;
}

std::string interface_offloads(const std::string& name) {
    struct offload {
        const char* label;
        std::uint32_t command;
    };
    static constexpr offload offloads[] = {
        {"tso", ETHTOOL_GTSO}, {"gso", ETHTOOL_GGSO},        {"gro", ETHTOOL_GGRO},
        {"sg", ETHTOOL_GSG},   {"tx_csum", ETHTOOL_GTXCSUM}, {"rx_csum", ETHTOOL_GRXCSUM},
    };
    std::string out;
    for (const auto& o : offloads) {
        ethtool_value value{};
        value.cmd = o.command;
        if (!out.empty()) {
            out += ' ';
        }
        out += o.label;
        out += ethtool_request(name, &value) ? (value.data != 0 ? "=on" : "=off") : "=unknown";
    }
    return out;
}

interface_info interface_of_socket(int fd) {
    interface_info info;
    sockaddr_storage local{};
    socklen_t length = sizeof local;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) != 0) {
        return info;
    }
    int path_mtu = 0;
    socklen_t mtu_length = sizeof path_mtu;
    const bool v6 = local.ss_family == AF_INET6;
    if (::getsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_MTU : IP_MTU, &path_mtu,
                     &mtu_length) == 0) {
        info.path_mtu = std::to_string(path_mtu);
    }
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0) {
        return info;
    }
    for (const ifaddrs* entry = list; entry != nullptr; entry = entry->ifa_next) {
        if (same_address(entry->ifa_addr, local)) {
            info.name = entry->ifa_name;
            break;
        }
    }
    ::freeifaddrs(list);
    if (info.name == "unknown") {
        return info;
    }
    const unique_fd probe(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    ifreq request{};
    std::memcpy(request.ifr_name, info.name.c_str(), info.name.size() + 1);
    if (probe && ::ioctl(probe.get(), SIOCGIFMTU, &request) == 0) {
        info.mtu = std::to_string(request.ifr_mtu);
    }
    info.driver = interface_driver(info.name);
    info.offloads = interface_offloads(info.name);
    return info;
}

}  // namespace sfb::bench
