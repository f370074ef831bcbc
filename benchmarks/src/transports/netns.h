// A private network namespace that nothing but this process can hold, and just enough
// rtnetlink (rtnetlink(7)) to build a veth pair into it.
//
// The namespace is created by a short-lived thread with unshare(CLONE_NEWNET) and kept only
// by an O_CLOEXEC descriptor of /proc/thread-self/ns/net: it has no name under /run/netns and
// no process lives in it, so when this process ends, however it ends, the kernel drops the
// last reference and destroys the namespace and every interface in it (network_namespaces(7));
// a veth device whose peer is destroyed goes with it (veth(4)). Nothing is left to clean up.
#pragma once

#include <netinet/in.h>
#include <sfb/unique_fd.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace sfb::bench {

class network_namespace {
  public:
    // nullptr with `error` set. unshare(CLONE_NEWNET) needs CAP_SYS_ADMIN and building links
    // needs CAP_NET_ADMIN; root has both.
    static std::unique_ptr<network_namespace> create(std::string& error);
    int fd() const noexcept { return fd_.get(); }
    // Runs `task` on a thread that joined this namespace (so the sockets it creates live here)
    // and waits for it. False with `error` set when the thread could not join.
    bool run_inside(const std::function<void()>& task, std::string& error) const;

  private:
    unique_fd fd_;
};

// A NETLINK_ROUTE socket in the calling thread's network namespace, one request at a time.
class route_netlink {
  public:
    bool open(std::string& error);
    // Creates veth pair `name` <-> `peer_name`, the peer moved into namespace `peer_ns`, both
    // with `mtu`. Returns 0 or an errno value.
    int add_veth(const std::string& name, const std::string& peer_name, int peer_ns, int mtu);
    // Adds address `address` (4 or 16 bytes) with `prefix` to interface `index`; IPv6 ones
    // skip duplicate address detection so they are usable at once.
    int add_address(int family, const void* address, int prefix, unsigned index);
    int set_up(unsigned index);
    int delete_link(unsigned index);

  private:
    int request(void* message, std::uint32_t length);
    unique_fd fd_;
    std::uint32_t sequence_ = 0;
};

}  // namespace sfb::bench
