// What the simulations of FreeBSD's and macOS's sendfile() share: the descriptor checks both
// manual pages list, and the sf_hdtr handling (both calls take headers and trailers as iovec
// lists in a struct sf_hdtr): what a call was handed, and the headers and trailers put on the
// socket around the file data. Include it after foreign_decls.h, which declares struct sf_hdtr
// for those two systems.
#pragma once

#include <sys/socket.h>

#include <cerrno>
#include <cstddef>

#include "sim.h"

namespace sfb::sim {

// The descriptor checks of sendfile(fd, s, ...), in the manual pages' order: EBADF when either
// is not open, `not_regular` when fd is not a regular file (EINVAL on FreeBSD, ENOTSUP on
// macOS), ENOTSOCK when s is not a socket, EINVAL when it is not a stream socket; else 0.
inline int check_file_and_stream_socket(int fd, int s, int not_regular) {
    const descriptor file = describe(fd);
    const descriptor sock = describe(s);
    if (!file.open || !sock.open) {
        return EBADF;
    }
    if (!file.regular) {
        return not_regular;
    }
    if (!sock.socket) {
        return ENOTSOCK;
    }
    return sock.type == SOCK_STREAM ? 0 : EINVAL;
}

// The record of a call sendfile(fd, s, offset, ..., hdtr, ..., flags) before it runs: the
// descriptors, the offset, the flags, and the header and trailer buffers `hdtr` (may be NULL)
// hands it.
inline call_record hdtr_call(int fd, int s, off_t offset, const sf_hdtr* hdtr, long long flags) {
    call_record rec;
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
    return rec;
}

// Puts the headers of `hdtr` (may be NULL) on the socket until the call stops, adding the
// header bytes that went out to rec.header_moved.
inline void put_headers(const sf_hdtr* hdtr, transfer& t, call_record& rec) {
    for (int i = 0; hdtr != nullptr && i < hdtr->hdr_cnt && !t.stopped(); ++i) {
        rec.header_moved += t.put(hdtr->headers[i].iov_base, hdtr->headers[i].iov_len);
    }
}

// Puts the trailers of `hdtr` (may be NULL) on the socket until the call stops.
inline void put_trailers(const sf_hdtr* hdtr, transfer& t) {
    for (int i = 0; hdtr != nullptr && i < hdtr->trl_cnt && !t.stopped(); ++i) {
        t.put(hdtr->trailers[i].iov_base, hdtr->trailers[i].iov_len);
    }
}

}  // namespace sfb::sim
