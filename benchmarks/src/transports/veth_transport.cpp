#include "veth_transport.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/tcp.h>
#include <sfb/retry.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>

#include "net_info.h"

namespace sfb::bench {

namespace {

constexpr std::uint32_t benchmarking_range = 0xC6120000;  // 198.18.0.0/15, RFC 2544
constexpr std::uint32_t subnets_in_range = (1U << 17) / 4;

in6_addr link_local(unsigned char last) {
    in6_addr address{};
    address.s6_addr[0] = 0xfe;
    address.s6_addr[1] = 0x80;
    address.s6_addr[15] = last;
    return address;
}

std::string errno_text(const char* what, int err) {
    return std::string(what) + ": " + std::strerror(err);
}

bool set_int_option(int fd, int level, int name, int value) {
    return ::setsockopt(fd, level, name, &value, sizeof value) == 0;
}

}  // namespace

veth_network* veth_network::get(int mtu, std::string& error) {
    static std::mutex mutex;
    static std::unique_ptr<veth_network> network;
    static std::string failed;
    const std::lock_guard lock(mutex);
    if (!network && failed.empty()) {
        std::unique_ptr<veth_network> made(new veth_network());
        if (made->build(mtu, failed)) {
            network = std::move(made);
        }
    }
    if (!network) {
        error = failed;
        return nullptr;
    }
    if (network->mtu_ != mtu) {
        error = "the veth pair of this process has MTU " + std::to_string(network->mtu_);
        return nullptr;
    }
    return network.get();
}

bool veth_network::build(int mtu, std::string& error) {
    if (mtu < 68 || mtu > 65535) {
        error = "veth MTU " + std::to_string(mtu) + " is outside 68..65535";
        return false;
    }
    mtu_ = mtu;
    std::string failed;
    peer_ns_ = network_namespace::create(failed);
    if (!peer_ns_) {
        error = "needs CAP_NET_ADMIN and CAP_SYS_ADMIN for a private network namespace (" + failed +
                ")";
        return false;
    }
    const auto pid = static_cast<std::uint32_t>(::getpid());
    name_ = "sfb" + std::to_string(pid) + "s";
    peer_name_ = "sfb" + std::to_string(pid) + "r";
    const std::uint32_t base = benchmarking_range + (pid % subnets_in_range) * 4;
    local4_.s_addr = htonl(base + 1);
    peer4_.s_addr = htonl(base + 2);

    route_netlink here;
    if (!here.open(failed)) {
        error = failed;
        return false;
    }
    if (const int err = here.add_veth(name_, peer_name_, peer_ns_->fd(), mtu); err != 0) {
        error = errno_text("creating the veth pair", err) +
                (err == EPERM ? " (needs CAP_NET_ADMIN)" : "");
        return false;
    }
    index_ = ::if_nametoindex(name_.c_str());
    const in6_addr local6 = link_local(1);
    int err = index_ == 0 ? errno : here.add_address(AF_INET, &local4_, 30, index_);
    err = err != 0 ? err : here.add_address(AF_INET6, &local6, 64, index_);
    err = err != 0 ? err : here.set_up(index_);
    if (err != 0) {
        error = errno_text("configuring the sending end of the veth pair", err);
        return false;
    }
    peer_ns_->run_inside(
        [&] {
            route_netlink there;
            if (!there.open(failed)) {
                err = EIO;
                return;
            }
            const in6_addr peer6 = link_local(2);
            peer_index_ = ::if_nametoindex(peer_name_.c_str());
            err = peer_index_ == 0 ? errno : there.add_address(AF_INET, &peer4_, 30, peer_index_);
            err = err != 0 ? err : there.add_address(AF_INET6, &peer6, 64, peer_index_);
            err = err != 0 ? err : there.set_up(peer_index_);
        },
        failed);
    if (err != 0 || peer_index_ == 0) {
        error = "configuring the receiving end of the veth pair: " +
                (err != 0 ? std::string(std::strerror(err)) : failed);
        return false;
    }
    return true;
}

veth_network::~veth_network() {
    // The kernel would remove the pair with the namespace anyway; deleting it here makes it
    // vanish at once instead of when the namespace's asynchronous cleanup runs.
    route_netlink here;
    std::string ignored;
    if (index_ != 0 && here.open(ignored)) {
        here.delete_link(index_);
    }
}

connection veth_network::connect(bool ipv6, const socket_options& options,
                                 std::string& error) const {
    const int family = ipv6 ? AF_INET6 : AF_INET;
    sockaddr_storage address{};
    socklen_t length = 0;
    if (ipv6) {
        auto& in6 = reinterpret_cast<sockaddr_in6&>(address);
        in6.sin6_family = AF_INET6;
        in6.sin6_addr = link_local(2);
        in6.sin6_scope_id = peer_index_;
        length = sizeof in6;
    } else {
        auto& in = reinterpret_cast<sockaddr_in&>(address);
        in.sin_family = AF_INET;
        in.sin_addr = peer4_;
        length = sizeof in;
    }
    unique_fd listener;
    std::string failed;
    const bool joined = peer_ns_->run_inside(
        [&] {
            listener.reset(::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0));
            if (!listener) {
                failed = errno_text("socket", errno);
                return;
            }
            // Before listen(), as in connect_loopback: it shapes the window scale (tcp(7)).
            if (options.rcvbuf > 0 &&
                !set_int_option(listener.get(), SOL_SOCKET, SO_RCVBUF, options.rcvbuf)) {
                failed = errno_text("setsockopt(SO_RCVBUF)", errno);
            } else if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&address), length) != 0 ||
                       ::listen(listener.get(), 1) != 0 ||
                       ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&address),
                                     &length) != 0) {
                failed = errno_text("the receiver's listening socket", errno);
            }
        },
        failed);
    if (!joined || !failed.empty()) {
        error = "veth: " + failed;
        return {};
    }
    if (ipv6) {
        // The same link-local address, seen from the sending end's side of the link.
        reinterpret_cast<sockaddr_in6&>(address).sin6_scope_id = index_;
    }
    unique_fd sender(::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!sender) {
        error = errno_text("socket", errno);
        return {};
    }
    if (::setsockopt(sender.get(), SOL_SOCKET, SO_BINDTODEVICE, name_.c_str(),
                     static_cast<socklen_t>(name_.size())) != 0) {
        error = errno_text("setsockopt(SO_BINDTODEVICE)", errno);
        return {};
    }
    if (!set_sender_options(sender.get(), true, options, error)) {
        error = "veth: " + error;
        return {};
    }
    if (retry_on_eintr([&] {
            return ::connect(sender.get(), reinterpret_cast<sockaddr*>(&address), length);
        }) != 0) {
        error = errno_text("veth connect", errno);
        return {};
    }
    unique_fd receiver(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!receiver) {
        error = errno_text("veth accept", errno);
        return {};
    }
    return connection{std::move(sender), std::move(receiver)};
}

}  // namespace sfb::bench
