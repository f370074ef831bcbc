// Solaris's and illumos's sendfilev(3EXT) simulated on Linux (see sim.h). What its manual page
// says, and this follows:
// - sendfilev(fildes, vec, sfvcnt, &xferred) writes the vector's entries in order to an
//   AF_INET or AF_INET6 stream socket: an entry with sfv_fd == SFV_FD_SELF sends sfv_len bytes
//   of this process's memory at address sfv_off, any other sends sfv_len bytes of that file from
//   offset sfv_off. Another address family is EAFNOSUPPORT, another socket type EPROTOTYPE.
//   (sendfilev can also write to a regular file; the dispatcher never asks for that, and this
//   simulation answers it with EINVAL.)
// - sfvcnt <= 0, a reserved sfv_flag that is not 0, a negative offset, a descriptor that is not
//   a regular file, or sfv_len values whose sum overflows ssize_t: EINVAL. An offset at or past
//   the end of the file is EINVAL too on the releases CPython's bpo-41687 met, which this
//   simulates; a file entry reaching the end of the file early sends what exists.
// - The return value is the number of bytes written, and xferred holds it too, also when the
//   call fails after partial data: EAGAIN (a full non-blocking socket), EPIPE. A signal gives
//   EINTR only when no data was transferred; after some it gives the short count, as write(2).
// - A peer that closed gives EPIPE, with SIGPIPE: the system has no SO_NOSIGPIPE and the call
//   no MSG_NOSIGNAL, so the backend must keep the signal from killing the process. Linux's own
//   sendfile() and send() raise it here.
#define SFB_FOREIGN_SOLARIS 1
#include "foreign_decls.h"
#include "sim.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <limits>

#include <sfb/sendfile.h>

namespace {

ssize_t fail(sfb::sim::call_record rec, size_t* xferred, int error) {
    *xferred = 0;
    return sfb::sim::refuse(rec, error);
}

}  // namespace

extern "C" ssize_t sendfilev(int fildes, const struct sendfilevec* vec, int sfvcnt,
                             size_t* xferred) {
    namespace sim = sfb::sim;
    sim::call_record rec;
    rec.socket_fd = fildes;
    std::uint64_t sum = 0;
    bool bad_entry = false;
    for (int i = 0; i < sfvcnt; ++i) {
        const sendfilevec& e = vec[i];
        sum += e.sfv_len;
        bad_entry = bad_entry || e.sfv_flag != 0;
        if (e.sfv_fd == SFV_FD_SELF) {
            ++rec.header_buffers;
            rec.header_bytes += e.sfv_len;
        } else {
            rec.file_fd = e.sfv_fd;
            rec.offset = e.sfv_off;
            rec.count += e.sfv_len;
            const sim::descriptor file = sim::describe(e.sfv_fd);
            bad_entry = bad_entry || !file.regular || e.sfv_off < 0 || e.sfv_off >= file.size;
        }
    }
    const sim::descriptor sock = sim::describe(fildes);
    if (!sock.open) {
        return fail(rec, xferred, EBADF);
    }
    if (!sock.socket || sfvcnt <= 0 || bad_entry ||
        sum > static_cast<std::uint64_t>(std::numeric_limits<ssize_t>::max())) {
        return fail(rec, xferred, EINVAL);
    }
    if (const int error = sim::tcp_only_error(sock); error != 0) {
        return fail(rec, xferred, error);
    }
    if (sim::settings().refuse_with != 0) {
        return fail(rec, xferred, sim::settings().refuse_with);
    }

    sim::transfer t(fildes, true);
    for (int i = 0; i < sfvcnt && !t.stopped(); ++i) {
        const sendfilevec& e = vec[i];
        if (e.sfv_fd == SFV_FD_SELF) {
            const auto address = static_cast<std::uintptr_t>(e.sfv_off);
            rec.header_moved += t.put(reinterpret_cast<const void*>(address), e.sfv_len);
        } else {
            t.put_file(e.sfv_fd, e.sfv_off, e.sfv_len);
        }
    }
    *xferred = static_cast<size_t>(t.moved());
    const auto written = static_cast<ssize_t>(t.moved());
    if (!t.stopped() || (t.interrupted() && written > 0)) {
        t.log(rec, written, 0);
        return written;
    }
    return t.fail(rec);
}

// sendfilev() has no flags.
const sfb::sim::os_traits sfb::sim::traits{.system = "solaris",
                                           .backend = "solaris",
                                           .serves_unix_sockets = false,
                                           .refusal_errno = EAFNOSUPPORT};
