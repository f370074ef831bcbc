// FreeBSD's sendfile(2), and DragonFly's when compiled with __DragonFly__, simulated on Linux
// (see sim.h). What the manual pages (FreeBSD 11 and later, DragonFly) say, and this follows:
// - sendfile(fd, s, offset, nbytes, hdtr, sbytes, flags) sends a regular file (else EINVAL) out
//   a stream socket (ENOTSOCK if s is not a socket, EINVAL if not a stream one); a negative
//   offset is EINVAL.
// - nbytes 0 means "to the end of the file". An offset at or past the end of the file succeeds
//   with no file bytes sent; a file shorter than nbytes sends what it has and succeeds.
// - The hdtr headers go out before the file data, the trailers after it. FreeBSD does not count
//   them in nbytes; DragonFly counts the header bytes sent against nbytes (its kern_sendfile
//   sends nbytes - sbytes file bytes, and that unsigned difference wraps to "everything" when the
//   headers alone reach nbytes).
// - *sbytes (when not NULL) gets every byte put on the socket, headers and trailers included,
//   on success and on failure alike; EAGAIN (a full non-blocking socket), EBUSY (SF_NODISKIO and
//   a busy page) and EINTR (a signal) may come after partial data. The exception is DragonFly's
//   argument checks (and a refusal): its sys_sendfile() copies out an uninitialised local when
//   kern_sendfile() fails before `*sbytes = 0` (sys/kern/uipc_syscalls.c), so there the
//   simulation writes a bogus count; FreeBSD writes 0.
// - FreeBSD flags: SF_NODISKIO, SF_MNOWAIT, SF_SYNC, SF_NOCACHE in the low 16 bits, a readahead
//   count in the high 16 (SF_FLAGS()); other low bits are EINVAL. DragonFly defines no flags.
// - A peer that closed gives EPIPE or ECONNRESET. There is no MSG_NOSIGNAL for the call; the
//   dispatcher sets SO_NOSIGPIPE on these systems, so no SIGPIPE is raised here.
#define SFB_FOREIGN_FREEBSD 1
#include "foreign_decls.h"
#include "sim.h"
#include "sim_hdtr.h"

#include <sys/socket.h>

#include <sfb/sendfile.h>

namespace {

#if defined(__DragonFly__)
constexpr const char* kSystem = "dragonfly";
constexpr bool kHeadersCountAgainstNbytes = true;
constexpr int kKnownFlags = 0;
constexpr int kNoDiskIo = 0;
#else
constexpr const char* kSystem = "freebsd";
constexpr bool kHeadersCountAgainstNbytes = false;
constexpr int kKnownFlags = SF_NODISKIO | SF_MNOWAIT | SF_SYNC | SF_NOCACHE;
constexpr int kNoDiskIo = SF_NODISKIO;
#endif
// The readahead count SF_FLAGS() puts in the high 16 bits.
constexpr unsigned kReadaheadBits = 0xffff0000u;

// What *sbytes holds after the argument checks failed: DragonFly's uninitialised local (any
// value; this one is larger than any test's request), FreeBSD's 0.
#if defined(__DragonFly__)
constexpr off_t kSbytesAfterArgumentError = 0x5a5a5a5a;
#else
constexpr off_t kSbytesAfterArgumentError = 0;
#endif

int fail(sfb::sim::call_record rec, off_t* sbytes, int error) {
    if (sbytes != nullptr) {
        *sbytes = kSbytesAfterArgumentError;
    }
    return sfb::sim::refuse(rec, error);
}

}  // namespace

extern "C" int sendfile(int fd, int s, off_t offset, size_t nbytes, struct sf_hdtr* hdtr,
                        off_t* sbytes, int flags) {
    namespace sim = sfb::sim;
    sim::call_record rec = sim::hdtr_call(fd, s, offset, hdtr, flags);
    rec.count = nbytes;
    rec.to_eof = nbytes == 0;

    if (const int error = sim::check_file_and_stream_socket(fd, s, EINVAL); error != 0) {
        return fail(rec, sbytes, error);
    }
    if (offset < 0) {
        return fail(rec, sbytes, EINVAL);
    }
    if ((static_cast<unsigned>(flags) & ~kReadaheadBits & ~static_cast<unsigned>(kKnownFlags)) !=
        0) {
        return fail(rec, sbytes, EINVAL);
    }
    if (sim::settings().refuse_with != 0) {
        return fail(rec, sbytes, sim::settings().refuse_with);
    }

    sim::transfer t(s, false);
    sim::put_headers(hdtr, t, rec);
    if (!t.stopped()) {
        std::uint64_t count = nbytes == 0 ? sim::kUnlimited : nbytes;
        if (kHeadersCountAgainstNbytes && nbytes != 0) {
            count = nbytes - rec.header_moved;  // wraps to "everything", as the kernel's does
        }
        t.put_file(fd, offset, count);
    }
    sim::put_trailers(hdtr, t);
    if (sbytes != nullptr) {
        *sbytes = static_cast<off_t>(t.moved());
    }
    if (!t.stopped()) {
        t.log(rec, 0, 0);
        return 0;
    }
    int error = t.reason();
    if (t.stalled() && sim::settings().stall_is_busy_page && (flags & kNoDiskIo) != 0) {
        error = EBUSY;  // SF_NODISKIO met a busy page
    }
    t.log(rec, -1, error);
    errno = error;
    return -1;
}

namespace sfb::sim {

namespace {

long long call_flags(int sfb_flags) {
#if defined(__DragonFly__)
    (void)sfb_flags;
    return 0;
#else
    return ((sfb_flags & SFB_NODISKIO) != 0 ? SF_NODISKIO : 0) |
           ((sfb_flags & SFB_MNOWAIT) != 0 ? SF_MNOWAIT : 0) |
           ((sfb_flags & SFB_SYNC) != 0 ? SF_SYNC : 0) |
           ((sfb_flags & SFB_NOCACHE) != 0 ? SF_NOCACHE : 0);
#endif
}

}  // namespace

const os_traits traits {
    .system = kSystem, .backend = "freebsd", .serves_unix_sockets = true,
    .refusal_errno = EOPNOTSUPP,
#if defined(__DragonFly__)
    .capabilities = SFB_CAP_NATIVE | SFB_CAP_EMULATION, .max_headers_in_call = 0,
#else
    .capabilities = SFB_CAP_NATIVE | SFB_CAP_HEADERS_NATIVE | SFB_CAP_FLAGS | SFB_CAP_EMULATION,
    .max_headers_in_call = 64,
#endif
    .call_flags = call_flags,
};

}  // namespace sfb::sim
