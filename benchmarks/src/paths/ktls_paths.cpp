// Kernel TLS (Documentation/networking/tls.rst): after setsockopt(TCP_ULP, "tls") a TCP
// socket takes SOL_TLS options; TLS_TX with a tls12_crypto_info_aes_gcm_128 makes the kernel
// frame and encrypt everything sent, including sendfile() and splice() data, and TLS_RX makes
// recv() return decrypted application data. The kernel asks for the "tls" module through
// request_module (ENOENT when it has none, as on a kernel built without CONFIG_TLS) and for
// "gcm(aes)" from the crypto API when TLS_TX or TLS_RX is set.
#include "ktls_paths.h"

#include <linux/tls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace sfb::bench {

namespace {

// A fixed test key: the benchmark measures the kernel's encryption, not a secret.
tls12_crypto_info_aes_gcm_128 test_crypto_info() {
    tls12_crypto_info_aes_gcm_128 info{};
    info.info.version = TLS_1_2_VERSION;
    info.info.cipher_type = TLS_CIPHER_AES_GCM_128;
    for (std::size_t i = 0; i < sizeof info.key; ++i) {
        info.key[i] = static_cast<unsigned char>(0x10 + i);
    }
    for (std::size_t i = 0; i < sizeof info.iv; ++i) {
        info.iv[i] = static_cast<unsigned char>(0xa0 + i);
    }
    for (std::size_t i = 0; i < sizeof info.salt; ++i) {
        info.salt[i] = static_cast<unsigned char>(0x50 + i);
    }
    return info;  // rec_seq stays zero: the first record of the connection
}

int failed(const char* call, std::string& error) {
    const int err = errno;
    error = std::string(call) + ": " + std::strerror(err);
    if (err == ENOENT && std::strcmp(call, "setsockopt(TCP_ULP, \"tls\")") == 0) {
        error += " (no kernel TLS: the kernel lacks the tls module, CONFIG_TLS)";
    }
    return err;
}

}  // namespace

int enable_ktls(int sender, int receiver, std::string& error) {
    static constexpr char ulp[] = "tls";
    for (const int fd : {sender, receiver}) {
        if (::setsockopt(fd, IPPROTO_TCP, TCP_ULP, ulp, sizeof ulp) != 0) {
            return failed("setsockopt(TCP_ULP, \"tls\")", error);
        }
    }
    const tls12_crypto_info_aes_gcm_128 info = test_crypto_info();
    if (::setsockopt(sender, SOL_TLS, TLS_TX, &info, sizeof info) != 0) {
        return failed("setsockopt(SOL_TLS, TLS_TX, AES-GCM-128)", error);
    }
    if (::setsockopt(receiver, SOL_TLS, TLS_RX, &info, sizeof info) != 0) {
        return failed("setsockopt(SOL_TLS, TLS_RX, AES-GCM-128)", error);
    }
    return 0;
}

path_availability probe_ktls_path(path_id p, transport t) {
    if (!is_tcp(t)) {
        return {false, std::string(path_name(p)) + " needs TCP (kernel TLS is a TCP ULP), not " +
                           std::string(transport_name(t))};
    }
    std::string error;
    const connection pair = connect_loopback(t, socket_options{}, error);
    if (!pair.sender) {
        return {false, "loopback connection for the kTLS probe: " + error};
    }
    if (enable_ktls(pair.sender.get(), pair.receiver.get(), error) != 0) {
        return {false, error};
    }
    return {};
}

std::unique_ptr<send_path> make_ktls_path(path_id p, int socket, const bench_file& file,
                                          std::uint64_t block, std::string& error) {
    return make_send_path(p == path_id::ktls_sendfile ? path_id::sendfile : path_id::read_send,
                          socket, file, block, error);
}

}  // namespace sfb::bench
