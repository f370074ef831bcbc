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
#include "sim_hdtr.h"

#include <sys/socket.h>

#include <sfb/sendfile.h>

namespace {

int fail(sfb::sim::call_record rec, int error) {
    return sfb::sim::refuse(rec, error);
}

}  // namespace

extern "C" int sendfile(int fd, int s, off_t offset, off_t* len, struct sf_hdtr* hdtr, int flags) {
    namespace sim = sfb::sim;
    sim::call_record rec = sim::hdtr_call(fd, s, offset, hdtr, flags);
    if (len == nullptr || flags != 0 || offset < 0 || *len < 0) {
        return fail(rec, EINVAL);
    }
    const auto wanted = static_cast<std::uint64_t>(*len);
    rec.to_eof = wanted == 0;
    rec.count = wanted > rec.header_bytes ? wanted - rec.header_bytes : 0;

    if (const int error = sim::check_file_and_stream_socket(fd, s, ENOTSUP); error != 0) {
        return fail(rec, error);
    }
    if (sim::settings().refuse_with != 0) {
        return fail(rec, sim::settings().refuse_with);
    }

    sim::transfer t(s, false);
    sim::put_headers(hdtr, t, rec);
    if (!t.stopped() && (wanted == 0 || wanted > rec.header_moved)) {
        t.put_file(fd, offset, wanted == 0 ? sim::kUnlimited : wanted - rec.header_moved);
    }
    sim::put_trailers(hdtr, t);
    *len = static_cast<off_t>(t.moved());
    if (!t.stopped()) {
        t.log(rec, 0, 0);
        return 0;
    }
    return t.fail(rec);
}

// The flags must be 0.
const sfb::sim::os_traits sfb::sim::traits{
    .system = "darwin", .backend = "darwin", .serves_unix_sockets = true, .refusal_errno = ENOTSUP};
