// The simulated system calls' common machinery and their control panel.
//
// Each test program links one foreign backend (core/src/freebsd.cpp, darwin.cpp, solaris.cpp or
// aix.cpp, compiled with SFB_FOREIGN_CHECK) and one sim_<os>.cpp, which defines that system's
// call under its real name with C linkage, as foreign_decls.h declares it. The simulated call
// checks its arguments, counts bytes and reports partial transfers as that system's manual page
// says, and moves the bytes for real with Linux's send() and sendfile() (or pread() + send())
// over the real socket it was given, so the receiver sees exactly what went out.
//
// What interrupts a call is decided here, deterministically from a seed: a byte budget per call
// (a signal arriving mid-transfer), every k-th call interrupted, or the socket "filling up" every
// N bytes (EAGAIN on a non-blocking socket). A real EAGAIN from a full non-blocking socket and a
// real EPIPE/ECONNRESET from a departed peer come from Linux as they are.
//
// This header has no system-specific declarations, so it can be included next to either
// foreign_decls.h (in sim_<os>.cpp) or glibc's <sys/sendfile.h> (in sim.cpp).
#pragma once

#include <sfb/sendfile.h>
#include <sys/types.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace sfb::sim {

inline constexpr std::uint64_t kUnlimited = std::numeric_limits<std::uint64_t>::max();

// How the simulated calls misbehave until the next configure().
struct config {
    std::uint64_t seed = 1;
    // Each call may move at most a random 1..max_bytes_per_call bytes; when that budget runs out
    // with bytes still to move, a signal interrupted the call. kUnlimited: no budget.
    std::uint64_t max_bytes_per_call = kUnlimited;
    // Every k-th call (k = eintr_every) is interrupted by a signal after a random part of its
    // budget, possibly nothing. 0: never.
    unsigned eintr_every = 0;
    // Each time the bytes moved since configure() reach a multiple of this, the call in progress
    // stops there as a non-blocking socket that just filled up (EAGAIN), and the next call finds
    // it still full and moves nothing. kUnlimited: never.
    std::uint64_t stall_every_bytes = kUnlimited;
    // FreeBSD: a stall under SF_NODISKIO is a busy page (EBUSY) instead of a full socket.
    bool stall_is_busy_page = false;
    // Every call refuses the descriptors with this errno before moving a byte (the file system
    // or socket cannot do sendfile). 0: never.
    int refuse_with = 0;
};

// What one simulated call was asked and what it did; tests check the backend's use of the
// call against these.
struct call_record {
    int socket_fd = -1;
    int file_fd = -1;
    std::int64_t offset = 0;
    // File bytes asked for, as the call understood them; to_eof: the call's "0 / -1 means to
    // the end of the file" form.
    std::uint64_t count = 0;
    bool to_eof = false;
    std::size_t header_buffers = 0;
    std::uint64_t header_bytes = 0;
    std::size_t trailer_buffers = 0;
    long long flags = 0;
    std::uint64_t header_moved = 0;  // of `moved`, header bytes
    std::uint64_t moved = 0;         // bytes this call put on the socket
    bool interrupted = false;        // a simulated signal cut it short
    bool stalled = false;            // a simulated full socket or busy page cut it short
    long long result = 0;            // its return value
    int error = 0;                   // errno it set (0 when it succeeded)
};

// What a descriptor is, for the simulated calls' argument checks.
struct descriptor {
    bool open = false;
    bool regular = false;  // a regular file
    off_t size = 0;        // its size
    bool socket = false;
    int family = 0;  // AF_INET, AF_INET6, AF_UNIX...
    int type = 0;    // SOCK_STREAM...
};
descriptor describe(int fd);

// Why a call that serves only TCP (Solaris's sendfilev(), AIX's send_file()) fails for the
// socket `sock`: EAFNOSUPPORT for another address family, EPROTOTYPE for another socket type;
// 0 for a TCP socket.
int tcp_only_error(const descriptor& sock);

// Appends a call that moved nothing (refused, or failed its argument checks) to the log.
void record(const call_record& rec);
// Logs `rec` as a call that moved nothing and failed with `error`, sets errno to it and
// returns -1, as the simulated call then does.
int refuse(call_record rec, int error);

// Starts a fresh simulation: new settings, the random sequence restarted from the seed, the
// call log and the byte count emptied.
void configure(const config& settings);
const config& settings();
const std::vector<call_record>& calls();

// The flags argument of a call that takes none, or must be given 0, whatever the SFB_* flags.
inline long long no_call_flags(int /*sfb_flags*/) {
    return 0;
}

// What the linked simulation knows about its system, and so what the backend under test must
// report. The defaults are what most of the systems' calls do: take up to 64 header buffers
// and no flags.
struct os_traits {
    const char* system;        // "freebsd", "dragonfly", "darwin", "solaris", "aix"
    const char* backend;       // what sfb_backend_name() must say
    bool serves_unix_sockets;  // false: the call refuses AF_UNIX (Solaris, AIX)
    int refusal_errno;         // the errno the call uses to refuse a file system or socket
    // What sfb_capabilities() must say.
    int capabilities = SFB_CAP_NATIVE | SFB_CAP_HEADERS_NATIVE | SFB_CAP_EMULATION;
    // How many header buffers may ride in one call (0: the backend must send them first).
    std::size_t max_headers_in_call = 64;
    // The flags argument every call must carry for a request with these SFB_* flags.
    long long (*call_flags)(int sfb_flags) = no_call_flags;
};
// The linked system's; each sim_<os>.cpp defines it.
extern const os_traits traits;

// One simulated call's movement of bytes over `socket_fd`, within the budget drawn for it.
class transfer {
  public:
    // `raise_sigpipe`: a peer that went away raises SIGPIPE (Linux's own send() and sendfile()
    // without MSG_NOSIGNAL), as on Solaris and AIX; otherwise no signal, as on FreeBSD and macOS
    // where the dispatcher sets SO_NOSIGPIPE on the socket.
    transfer(int socket_fd, bool raise_sigpipe);
    transfer(const transfer&) = delete;
    transfer& operator=(const transfer&) = delete;

    // Sends up to `size` bytes of `data`; returns how many went out. Less than `size` means the
    // call stopped (stopped() is true).
    std::uint64_t put(const void* data, std::uint64_t size);
    // Sends up to `count` bytes of the file from `offset`, fewer when the file ends first (which
    // does not stop the call); returns how many went out.
    std::uint64_t put_file(int file_fd, off_t offset, std::uint64_t count);

    bool stopped() const { return reason_ != 0; }
    // Why the call stopped: 0 (it did not), EINTR (a simulated signal), EAGAIN (a simulated or
    // real full socket), or the errno of a failed send (EPIPE, ECONNRESET, ...).
    int reason() const { return reason_; }
    bool interrupted() const { return reason_ == EINTR; }
    bool stalled() const { return stalled_; }
    std::uint64_t moved() const { return moved_; }

    // Writes what happened into `rec` and appends it to the call log.
    void log(call_record rec, long long result, int error) const;
    // Logs the call as failed for reason(), sets errno to it and returns -1.
    int fail(call_record rec) const;

  private:
    bool budget_left();
    void account(std::uint64_t n);

    int socket_fd_;
    int send_flags_;
    bool raise_sigpipe_;
    std::uint64_t budget_;
    int budget_reason_;  // why the call stops when the budget runs out
    std::uint64_t moved_ = 0;
    int reason_ = 0;
    bool stalled_ = false;
};

}  // namespace sfb::sim
