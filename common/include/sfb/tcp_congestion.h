// The TCP congestion control a benchmark's sending socket uses, chosen by name instead of left
// to the system default (net.ipv4.tcp_congestion_control). On loopback the default matters
// more than anything measured: with bbr, which paces by its own bandwidth estimate (and, without
// the fq qdisc, from a timer that runs in whichever thread is on the CPU), a connection's
// figures depend on its age and on who held the CPU when the timer fired; with cubic they do
// not. bench_sendfile and sendfile_loop_bench both choose through these two functions.
#pragma once

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>

namespace sfb {

// The word that keeps the system default (no setsockopt at all).
inline constexpr std::string_view system_congestion = "system";

// True when `name` can be a congestion control's name: 1 to 15 characters (TCP_CA_NAME_MAX is
// 16 with the terminating zero) of lower-case letters, digits, '_' and '-'; or "system".
inline bool congestion_name_valid(std::string_view name) {
    if (name == system_congestion) {
        return true;
    }
    if (name.empty() || name.size() > 15) {
        return false;
    }
    for (const char c : name) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) {
            return false;
        }
    }
    return true;
}

// Sets TCP_CONGESTION on the TCP socket `fd` to `name`; "system" changes nothing. Returns 0, or
// the errno of setsockopt(2): ENOENT for an algorithm the kernel does not have (nor can load),
// EPERM for one that net.ipv4.tcp_allowed_congestion_control withholds from an unprivileged
// process, EINVAL for a name that congestion_name_valid refuses.
inline int set_tcp_congestion(int fd, std::string_view name) {
    if (name == system_congestion) {
        return 0;
    }
    if (!congestion_name_valid(name)) {
        return EINVAL;
    }
    const std::string text(name);
    if (::setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, text.data(),
                     static_cast<socklen_t>(text.size())) != 0) {
        return errno;
    }
    return 0;
}

// 0 when a TCP socket can use `name` (tried on a socket of its own), else set_tcp_congestion's
// errno, or the errno of socket(2).
inline int congestion_available(std::string_view name) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return errno;
    }
    const int error = set_tcp_congestion(fd, name);
    ::close(fd);
    return error;
}

// The congestion control `fd` uses now (getsockopt TCP_CONGESTION), or "" when it cannot say.
inline std::string tcp_congestion_of(int fd) {
    char name[16] = {};
    socklen_t length = sizeof name - 1;
    if (::getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, name, &length) != 0) {
        return {};
    }
    return std::string(name, strnlen(name, length));
}

}  // namespace sfb
