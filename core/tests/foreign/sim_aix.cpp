// AIX's send_file() simulated on Linux (see sim.h). What its documentation (AIX 7
// Communications Technical Reference) says, and this follows:
// - send_file(&socket, &parms, flags) sends parms' header buffer, then file_bytes bytes of the
//   file from file_offset (-1: to the end of the file; 0: no file data), then the trailer
//   buffer, over a connected TCP socket; any other kind of socket is an error (here
//   EAFNOSUPPORT for another address family, EPROTOTYPE for another socket type, ENOTSOCK for
//   a descriptor that is not a socket).
// - flags: SF_CLOSE (close the socket once everything went, writing -1 to *socket),
//   SF_REUSE, SF_DONT_CACHE, SF_SYNC_CACHE; other bits are EINVAL.
// - parms is updated as data goes: header_data/header_length, file_offset/file_bytes and
//   trailer_data/trailer_length advance past what was sent, file_size gets the file's size, and
//   bytes_sent the bytes this call sent.
// - Returns 0 when everything asked for went, 1 when some went and more remains (a signal or a
//   full non-blocking socket cut the call short; call again with the same parms), -1 with errno
//   on an error or when nothing could go (EINTR, EAGAIN). A file that ends before file_bytes is
//   taken as complete (0): the documentation does not say, and more could never come.
// - A peer that closed gives EPIPE, with SIGPIPE (the call takes no MSG_NOSIGNAL); Linux's own
//   sendfile() and send() raise it here.
#define SFB_FOREIGN_AIX 1
#include "foreign_decls.h"
#include "sim.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sfb/sendfile.h>

namespace {

constexpr unsigned kKnownFlags = SF_CLOSE | SF_REUSE | SF_DONT_CACHE | SF_SYNC_CACHE;

ssize_t fail(sfb::sim::call_record rec, int error) {
    return sfb::sim::refuse(rec, error);
}

}  // namespace

extern "C" ssize_t send_file(int* socket_p, struct sf_parms* sf_iobuf, unsigned int flags) {
    namespace sim = sfb::sim;
    sf_parms& p = *sf_iobuf;
    sim::call_record rec;
    rec.socket_fd = *socket_p;
    rec.file_fd = p.file_descriptor;
    rec.offset = static_cast<std::int64_t>(p.file_offset);
    rec.to_eof = p.file_bytes == -1;
    rec.count = p.file_bytes > 0 ? static_cast<std::uint64_t>(p.file_bytes) : 0;
    rec.header_buffers = p.header_length > 0 ? 1 : 0;
    rec.header_bytes = p.header_length;
    rec.trailer_buffers = p.trailer_length > 0 ? 1 : 0;
    rec.flags = flags;
    p.bytes_sent = 0;

    const sim::descriptor sock = sim::describe(*socket_p);
    const sim::descriptor file = sim::describe(p.file_descriptor);
    if (!sock.open || (p.file_bytes != 0 && !file.open)) {
        return fail(rec, EBADF);
    }
    if (!sock.socket) {
        return fail(rec, ENOTSOCK);
    }
    if (const int error = sim::tcp_only_error(sock); error != 0) {
        return fail(rec, error);
    }
    if ((flags & ~kKnownFlags) != 0 || p.file_bytes < -1 || (p.file_bytes != 0 && !file.regular)) {
        return fail(rec, EINVAL);
    }
    if (sim::settings().refuse_with != 0) {
        return fail(rec, sim::settings().refuse_with);
    }
    p.file_size = static_cast<std::uint64_t>(file.size);
    if (p.file_bytes == -1) {
        const auto offset = static_cast<off_t>(p.file_offset);
        p.file_bytes = offset < file.size ? file.size - offset : 0;
    }

    sim::transfer t(*socket_p, true);
    if (p.header_length > 0) {
        const std::uint64_t n = t.put(p.header_data, p.header_length);
        rec.header_moved = n;
        p.header_data = static_cast<char*>(p.header_data) + n;
        p.header_length -= static_cast<unsigned int>(n);
    }
    if (!t.stopped() && p.file_bytes > 0) {
        const auto want = static_cast<std::uint64_t>(p.file_bytes);
        const std::uint64_t n =
            t.put_file(p.file_descriptor, static_cast<off_t>(p.file_offset), want);
        p.file_offset += n;
        p.file_bytes -= static_cast<std::int64_t>(n);
    }
    if (!t.stopped() && p.trailer_length > 0) {
        const std::uint64_t n = t.put(p.trailer_data, p.trailer_length);
        p.trailer_data = static_cast<char*>(p.trailer_data) + n;
        p.trailer_length -= static_cast<unsigned int>(n);
    }
    p.bytes_sent = t.moved();
    if (!t.stopped()) {
        if ((flags & SF_CLOSE) != 0) {
            ::close(*socket_p);
            *socket_p = -1;
        }
        t.log(rec, 0, 0);
        return 0;
    }
    const bool cut_short = t.reason() == EINTR || t.reason() == EAGAIN;
    if (cut_short && t.moved() > 0) {
        t.log(rec, 1, 0);
        return 1;
    }
    return t.fail(rec);
}

const sfb::sim::os_traits sfb::sim::traits{
    .system = "aix",
    .backend = "aix",
    .serves_unix_sockets = false,
    .refusal_errno = EAFNOSUPPORT,
    .max_headers_in_call = 1,  // sf_parms has room for one header buffer
    // Every call keeps the file out of the network buffer cache, as pysendfile did.
    .call_flags = [](int) { return static_cast<long long>(SF_DONT_CACHE); },
};
