// The kernel TLS paths: ktls_sendfile and ktls_send are sendfile and read_send over a TCP
// connection on which the kernel encrypts (TCP_ULP "tls", TLS_TX) and the receiver's kernel
// decrypts (TLS_RX), the way nginx's SSL_sendfile and FreeBSD/Netflix serve files over TLS.
// The system calls of a pass are exactly those of the plain paths: what changes is the socket,
// so the paths reuse the plain paths' code and the connection is prepared by enable_ktls.
//
// TLS 1.2 with AES-GCM-128 and a fixed key, salt, IV and sequence number, written down in
// ktls_paths.cpp: a benchmark only, never a secure channel. No handshake runs; both ends are
// given the same keys directly, which is what a TLS library does after its handshake.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "loopback.h"
#include "send_paths.h"

namespace sfb::bench {

inline bool is_ktls(path_id p) noexcept {
    return p == path_id::ktls_sendfile || p == path_id::ktls_send;
}

// Whether this kernel can run a kTLS path over `t`, found by setting up a real loopback
// connection: unavailable (with the reason) on Unix sockets, without the tls module
// (CONFIG_TLS), or without AES-GCM in the kernel's crypto API.
path_availability probe_ktls_path(path_id p, transport t);

// Turns a connected TCP pair into a kTLS pair: the ULP on both ends, TLS_TX on the sender and
// TLS_RX on the receiver, with the same fixed keys. Returns 0, or the errno value of the call
// that failed with `error` naming it.
int enable_ktls(int sender, int receiver, std::string& error);

// The path itself: sendfile (ktls_sendfile) or read+send (ktls_send) over a socket that
// enable_ktls prepared.
std::unique_ptr<send_path> make_ktls_path(path_id p, int socket, const bench_file& file,
                                          std::uint64_t block, std::string& error);

}  // namespace sfb::bench
