#include "netns.h"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sched.h>
#include <sfb/retry.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <thread>

namespace sfb::bench {

namespace {

std::string failure(const char* what, int err) {
    return std::string(what) + ": " + std::strerror(err);
}

// Builds one netlink message in an aligned buffer: a header, a fixed part, then attributes,
// which may nest (nest() returns where to close it with end_nest()).
class message_builder {
  public:
    message_builder(std::uint16_t type, std::uint16_t flags) {
        nlmsghdr header{};
        header.nlmsg_type = type;
        header.nlmsg_flags = static_cast<std::uint16_t>(NLM_F_REQUEST | NLM_F_ACK | flags);
        append(&header, sizeof header);
    }
    void append(const void* data, std::size_t size) {
        if (length_ + NLMSG_ALIGN(size) > buffer_.size()) {
            overflow_ = true;
            return;
        }
        std::memcpy(buffer_.data() + length_, data, size);
        length_ += NLMSG_ALIGN(size);
    }
    void attribute(std::uint16_t type, const void* data, std::size_t size) {
        rtattr header{};
        header.rta_type = type;
        header.rta_len = static_cast<unsigned short>(RTA_LENGTH(size));
        append(&header, sizeof header);
        append(data, size);
    }
    void attribute(std::uint16_t type, const std::string& text) {
        attribute(type, text.c_str(), text.size() + 1);
    }
    void attribute(std::uint16_t type, std::uint32_t value) {
        attribute(type, &value, sizeof value);
    }
    std::size_t nest(std::uint16_t type) {
        const std::size_t at = length_;
        rtattr header{};
        header.rta_type = type;
        append(&header, sizeof header);
        return at;
    }
    void end_nest(std::size_t at) {
        rtattr header{};
        std::memcpy(&header, buffer_.data() + at, sizeof header);
        header.rta_len = static_cast<unsigned short>(length_ - at);
        std::memcpy(buffer_.data() + at, &header, sizeof header);
    }
    // Finishes the header; nullptr when the message did not fit.
    void* finish(std::uint32_t sequence) {
        if (overflow_) {
            return nullptr;
        }
        nlmsghdr header{};
        std::memcpy(&header, buffer_.data(), sizeof header);
        header.nlmsg_len = static_cast<std::uint32_t>(length_);
        header.nlmsg_seq = sequence;
        std::memcpy(buffer_.data(), &header, sizeof header);
        return buffer_.data();
    }
    std::uint32_t length() const noexcept { return static_cast<std::uint32_t>(length_); }

  private:
    alignas(nlmsghdr) std::array<char, 1024> buffer_{};
    std::size_t length_ = 0;
    bool overflow_ = false;
};

}  // namespace

std::unique_ptr<network_namespace> network_namespace::create(std::string& error) {
    std::unique_ptr<network_namespace> created(new network_namespace());
    // Only the helper thread moves into the new namespace; its descriptor outlives it.
    std::thread([&] {
        if (::unshare(CLONE_NEWNET) != 0) {
            error = failure("unshare(CLONE_NEWNET)", errno);
            return;
        }
        created->fd_.reset(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
        if (!created->fd_) {
            error = failure("open(/proc/thread-self/ns/net)", errno);
        }
    }).join();
    if (!created->fd_) {
        return nullptr;
    }
    return created;
}

bool network_namespace::run_inside(const std::function<void()>& task, std::string& error) const {
    bool joined = false;
    std::thread([&] {
        if (::setns(fd_.get(), CLONE_NEWNET) != 0) {
            error = failure("setns(CLONE_NEWNET)", errno);
            return;
        }
        joined = true;
        task();
    }).join();
    return joined;
}

bool route_netlink::open(std::string& error) {
    fd_.reset(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
    if (!fd_) {
        error = failure("socket(AF_NETLINK)", errno);
        return false;
    }
    return true;
}

int route_netlink::request(void* message, std::uint32_t length) {
    if (message == nullptr) {
        return EMSGSIZE;
    }
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    if (::sendto(fd_.get(), message, length, 0, reinterpret_cast<sockaddr*>(&kernel),
                 sizeof kernel) < 0) {
        return errno;
    }
    // The answer to a request with NLM_F_ACK is one NLMSG_ERROR message (error 0: success).
    alignas(nlmsghdr) std::array<char, 4096> answer{};
    for (;;) {
        const ssize_t n =
            retry_on_eintr([&] { return ::recv(fd_.get(), answer.data(), answer.size(), 0); });
        if (n < 0) {
            return errno;
        }
        // Walks the messages by hand: the NLMSG_NEXT macro mixes signed and unsigned lengths.
        std::size_t at = 0;
        const auto received = static_cast<std::size_t>(n);
        while (at + sizeof(nlmsghdr) <= received) {
            nlmsghdr header{};
            std::memcpy(&header, answer.data() + at, sizeof header);
            if (header.nlmsg_len < sizeof header || at + header.nlmsg_len > received) {
                break;
            }
            const std::size_t payload = at + NLMSG_HDRLEN;
            at += NLMSG_ALIGN(header.nlmsg_len);
            if (header.nlmsg_seq != sequence_ || header.nlmsg_type != NLMSG_ERROR ||
                payload + sizeof(nlmsgerr) > received) {
                continue;
            }
            nlmsgerr result{};
            std::memcpy(&result, answer.data() + payload, sizeof result);
            return -result.error;
        }
    }
}

int route_netlink::add_veth(const std::string& name, const std::string& peer_name, int peer_ns,
                            int mtu) {
    message_builder m(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
    const ifinfomsg link{};
    m.append(&link, sizeof link);
    m.attribute(IFLA_IFNAME, name);
    m.attribute(IFLA_MTU, static_cast<std::uint32_t>(mtu));
    const auto info = m.nest(IFLA_LINKINFO);
    m.attribute(IFLA_INFO_KIND, std::string("veth"));
    const auto data = m.nest(IFLA_INFO_DATA);
    const auto peer = m.nest(VETH_INFO_PEER);
    m.append(&link, sizeof link);
    m.attribute(IFLA_IFNAME, peer_name);
    m.attribute(IFLA_MTU, static_cast<std::uint32_t>(mtu));
    m.attribute(IFLA_NET_NS_FD, static_cast<std::uint32_t>(peer_ns));
    m.end_nest(peer);
    m.end_nest(data);
    m.end_nest(info);
    return request(m.finish(++sequence_), m.length());
}

int route_netlink::add_address(int family, const void* address, int prefix, unsigned index) {
    message_builder m(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
    ifaddrmsg header{};
    header.ifa_family = static_cast<unsigned char>(family);
    header.ifa_prefixlen = static_cast<unsigned char>(prefix);
    header.ifa_index = index;
    m.append(&header, sizeof header);
    const std::size_t size = family == AF_INET ? 4 : 16;
    m.attribute(IFA_LOCAL, address, size);
    m.attribute(IFA_ADDRESS, address, size);
    if (family == AF_INET6) {
        m.attribute(IFA_FLAGS, static_cast<std::uint32_t>(IFA_F_NODAD));
    }
    return request(m.finish(++sequence_), m.length());
}

int route_netlink::set_up(unsigned index) {
    message_builder m(RTM_NEWLINK, 0);
    ifinfomsg link{};
    link.ifi_index = static_cast<int>(index);
    link.ifi_flags = IFF_UP;
    link.ifi_change = IFF_UP;
    m.append(&link, sizeof link);
    return request(m.finish(++sequence_), m.length());
}

int route_netlink::delete_link(unsigned index) {
    message_builder m(RTM_DELLINK, 0);
    ifinfomsg link{};
    link.ifi_index = static_cast<int>(index);
    m.append(&link, sizeof link);
    return request(m.finish(++sequence_), m.length());
}

}  // namespace sfb::bench
