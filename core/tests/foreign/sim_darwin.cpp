// macOS's sendfile(2) simulated on Linux (see sim.h). What its manual page says, and this
// follows:
// - sendfile(fd, s, offset, &len, hdtr, flags) sends a regular file (ENOTSUP otherwise) out a
//   stream socket (ENOTSOCK if s is not a socket, EINVAL if not a stream one). A negative
//   offset, a NULL len or flags other than 0 are EINVAL.
// - *len says how many bytes to send, 0 meaning "to the end of the file". With a header, the
//   header bytes count against it: *len is the most header and file bytes to send. An offset at
//   or past the end of the file succeeds with no file bytes; a short file sends what it has.
// - The hdtr headers go out before the file data, the trailers (all of them, whatever *len
//   says) after it.
// - On return *len holds every byte put on the socket, headers and trailers included, also with
//   EAGAIN (a full non-blocking socket) and EINTR (a signal), which may follow partial data.
//   Argument errors leave *len alone.
// - A peer that closed gives EPIPE or ECONNRESET. There is no MSG_NOSIGNAL for the call; the
//   dispatcher sets SO_NOSIGPIPE on macOS, so no SIGPIPE is raised here.
#define SFB_FOREIGN_DARWIN 1
#include "foreign_decls.h"
#include "sim.h"

#include <sys/socket.h>

#include <sfb/sendfile.h>

namespace {

int fail(sfb::sim::call_record rec, int error) {
    return sfb::sim::refuse(rec, error);
}

}  // namespace

extern "C" int sendfile(int fd, int s, off_t offset, off_t* len, struct sf_hdtr* hdtr, int flags) {
    namespace sim = sfb::sim;
    sim::call_record rec;
    rec.socket_fd = s;
    rec.file_fd = fd;
    rec.offset = offset;
    rec.flags = flags;
    if (hdtr != nullptr) {
        rec.header_buffers = static_cast<std::size_t>(hdtr->hdr_cnt);
        for (int i = 0; i < hdtr->hdr_cnt; ++i) {
            rec.header_bytes += hdtr->headers[i].iov_len;
        }
        rec.trailer_buffers = static_cast<std::size_t>(hdtr->trl_cnt);
    }
    if (len == nullptr || flags != 0 || offset < 0 || *len < 0) {
        return fail(rec, EINVAL);
    }
    const auto wanted = static_cast<std::uint64_t>(*len);
    rec.to_eof = wanted == 0;
    rec.count = wanted > rec.header_bytes ? wanted - rec.header_bytes : 0;

    const sim::descriptor file = sim::describe(fd);
    const sim::descriptor sock = sim::describe(s);
    if (!file.open || !sock.open) {
        return fail(rec, EBADF);
    }
    if (!file.regular) {
        return fail(rec, ENOTSUP);
    }
    if (!sock.socket) {
        return fail(rec, ENOTSOCK);
    }
    if (sock.type != SOCK_STREAM) {
        return fail(rec, EINVAL);
    }
    if (sim::settings().refuse_with != 0) {
        return fail(rec, sim::settings().refuse_with);
    }

    sim::transfer t(s, false);
    if (hdtr != nullptr) {
        for (int i = 0; i < hdtr->hdr_cnt && !t.stopped(); ++i) {
            rec.header_moved += t.put(hdtr->headers[i].iov_base, hdtr->headers[i].iov_len);
        }
    }
    if (!t.stopped() && (wanted == 0 || wanted > rec.header_moved)) {
        t.put_file(fd, offset, wanted == 0 ? sim::kUnlimited : wanted - rec.header_moved);
    }
    if (hdtr != nullptr) {
        for (int i = 0; i < hdtr->trl_cnt && !t.stopped(); ++i) {
            t.put(hdtr->trailers[i].iov_base, hdtr->trailers[i].iov_len);
        }
    }
    *len = static_cast<off_t>(t.moved());
    if (!t.stopped()) {
        t.log(rec, 0, 0);
        return 0;
    }
    return t.fail(rec);
}

namespace sfb::sim {

const os_traits& traits() {
    static const os_traits t{
        .system = "darwin",
        .backend = "darwin",
        .capabilities = SFB_CAP_NATIVE | SFB_CAP_HEADERS_NATIVE | SFB_CAP_EMULATION,
        .max_headers_in_call = 64,
        .serves_unix_sockets = true,
        .refusal_errno = ENOTSUP,
        .call_flags = [](int) { return 0LL; },  // flags must be 0
    };
    return t;
}

}  // namespace sfb::sim
