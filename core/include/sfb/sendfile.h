/*
 * sendfile-bench core: a portable sendfile(2) with headers, trailers, flags and offsets.
 *
 * This is the C ABI. It uses plain integers, pointers and two plain structs, so it can be
 * called from C, C++, Python ctypes/cffi, Rust and anything else that speaks C. The C++
 * header <sfb/sendfile.hpp> wraps it with spans.
 *
 * One call sends, in this order, every header buffer, then `nbytes` bytes of the file `in_fd`
 * starting at `offset` (or at the file's current position), then every trailer buffer, to the
 * socket `out_fd`. It keeps going until everything went out, the file ended, or an error came
 * up; the result always carries the byte count, so a partial send followed by an error never
 * loses its accounting.
 */
#ifndef SFB_SENDFILE_H
#define SFB_SENDFILE_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__) || defined(__clang__)
#define SFB_API __attribute__((visibility("default")))
#else
#define SFB_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* One buffer of header or trailer bytes. */
struct sfb_buffer {
    const void* data;
    size_t size;
};

/* Flags for sfb_request.flags. */
enum {
    /* Use the portable pread()+send() emulation even where a native call exists. */
    SFB_FORCE_EMULATION = 1 << 0,
    /* Send from, and advance, the file's current position; `offset` is ignored. Backends
       that cannot do this natively (all but Linux) use the emulation for such a call. */
    SFB_USE_FILE_POSITION = 1 << 1,
    /* The caller promises SIGPIPE cannot kill it: ignored process-wide or blocked in this
       thread (as nginx and most servers do). The call then skips its own SIGPIPE guard on
       Linux, Solaris and AIX, whose native calls raise SIGPIPE: two system calls fewer per
       call. A caller that breaks the promise is killed by SIGPIPE when the peer goes away. */
    SFB_SIGPIPE_IGNORED = 1 << 2,
    /* FreeBSD/DragonFly sendfile(2) flags; on any other backend they fail with ENOTSUP. */
    SFB_NODISKIO = 1 << 8,
    SFB_MNOWAIT = 1 << 9,
    SFB_SYNC = 1 << 10,
    SFB_NOCACHE = 1 << 11
};

struct sfb_request {
    int out_fd;     /* a connected stream socket */
    int in_fd;      /* a regular file, open for reading */
    int64_t offset; /* where in the file to start; must be >= 0 */
    /* How many file bytes to send; 0 means "up to the end of the file" on every backend. */
    uint64_t nbytes;
    const struct sfb_buffer* headers; /* sent before the file data; may be NULL */
    size_t header_count;
    const struct sfb_buffer* trailers; /* sent after the file data; may be NULL */
    size_t trailer_count;
    int flags; /* SFB_* flags above, or 0 */
    /* Bytes of this same request that earlier calls already sent (the sum of their
       `bytes_sent`); the call sends only the rest, wherever it starts (in the headers, the
       file part or the trailers). This is how a caller resumes after EAGAIN: keep the request
       as it is, add up `bytes_sent`, call again. More than the request's total is EINVAL, and
       so is a non-zero value with SFB_USE_FILE_POSITION (the position already moved). */
    uint64_t already_sent;
};

struct sfb_result {
    uint64_t bytes_sent; /* every byte that went out: headers + file + trailers */
    uint64_t file_bytes; /* of those, the bytes that came from the file */
    /* 0 on success, else an errno value; the complete list is under "Errors" below. Both
       counts are this call's alone, on success and on every error alike. */
    int error;
    /* 1 when the native call sent the request, 0 when the emulation sent all of it (forced,
       no native call in this build, or the native call refused the descriptors before any
       byte went out). When the native call refuses only after headers went out with
       sendmsg(), the backend finishes the file part through the emulation and this stays 1. */
    int used_native;
};

/* Sends as described above. Returns 0 or the errno value also stored in result->error, and
   sets errno to it. Signals never interrupt it (EINTR is retried inside) and a peer that
   goes away gives EPIPE or ECONNRESET, never SIGPIPE. A NULL request or result gives EINVAL.

   Both descriptors are checked before anything is sent: in_fd must be a regular file open
   for reading, out_fd a stream socket (TCP, Unix SOCK_STREAM). That costs three system calls
   (getsockopt, fstat, fcntl) per call; a loop that sends one file block by block checks the
   pair once with sfb_prepare() and calls sfb_sendfile_prepared() instead.

   Errors (result->error), each with nothing sent unless it says otherwise:
     EINVAL     a NULL request or result; an unknown flag; a negative offset; a buffer with
                NULL data and a size, a NULL buffer list with a count, or header or trailer
                buffers whose sizes add up to more than SSIZE_MAX; in_fd is not a regular file
                (pipe, socket, device such as /dev/zero); out_fd is a socket but not a stream
                socket (UDP, SOCK_SEQPACKET, raw); already_sent larger than the request, or
                already_sent > 0 with SFB_USE_FILE_POSITION; for sfb_sendfile_prepared(), a
                handle sfb_prepare() did not fill or a request with other descriptors.
     EBADF      a descriptor is not open; in_fd is not open for reading (O_WRONLY, O_PATH);
                out_fd is a file not open for writing.
     ENOTSOCK   out_fd is not a socket (a regular file, a pipe, a device).
     EISDIR     in_fd is a directory.
     ENOTSUP    an SFB_NODISKIO/MNOWAIT/SYNC/NOCACHE flag on a backend without SFB_CAP_FLAGS.
     ENODATA    the file ended before `nbytes` bytes: the headers and the file bytes that
                existed went out, the trailers did not, so a framing protocol never sees a
                trailer after missing data. An offset past the end of the file is ENODATA
                before anything is sent (no headers either).
     EAGAIN     a non-blocking socket is full, or a blocking one's SO_SNDTIMEO expired:
                `bytes_sent` went out (possibly 0); call again with already_sent raised by it.
     EPIPE, ECONNRESET   the peer went away, or out_fd is a TCP socket that is listening or
                was never connected; the partial counts say what went out; never SIGPIPE.
     ENOTCONN   out_fd is a Unix stream socket that is not connected.
     EFAULT     a header or trailer buffer points at memory the process cannot read; the
                counts say what went out before it.
     ETIMEDOUT, EHOSTUNREACH, ENETUNREACH, ENETDOWN, ECONNABORTED   a TCP connection error
                the kernel reports on the socket, with the partial counts.
     EIO, ENOMEM, ENOBUFS   the file could not be read or the kernel ran out of memory, with
                the partial counts.
   With SFB_USE_FILE_POSITION, an lseek() failure is returned as lseek() reports it. */
SFB_API int sfb_sendfile(const struct sfb_request* request, struct sfb_result* result);

/* A descriptor pair checked once, for a loop that sends from the same file to the same socket
   call after call. sfb_prepare() makes the checks sfb_sendfile() makes on every call (in_fd a
   regular file open for reading, out_fd a stream socket) and fills the handle; the fields are
   the library's, read them but never write them. */
struct sfb_prepared {
    int out_fd;
    int in_fd;
    uint32_t state;    /* set by sfb_prepare(); a handle it did not fill is refused (EINVAL) */
    uint32_t reserved; /* 0 */
};

/* Checks `out_fd` and `in_fd` as sfb_sendfile() does and fills `prepared`. Returns 0, or the
   errno value (EBADF, ENOTSOCK, EISDIR, EINVAL; EINVAL also for a NULL handle) that
   sfb_sendfile() would return for the pair, and sets errno to it; then the handle is refused
   by sfb_sendfile_prepared(). The handle stays valid while both descriptors stay open: close
   either (or dup2() over it) and prepare again. */
SFB_API int sfb_prepare(int out_fd, int in_fd, struct sfb_prepared* prepared);

/* sfb_sendfile() for a prepared pair: the same semantics, counts and errors, without the
   descriptor checks. `request->out_fd` and `request->in_fd` must be the prepared pair. A
   request with no headers, no trailers, `nbytes` > 0 and an explicit offset makes no system
   call besides the native call itself: with SFB_SIGPIPE_IGNORED, one sendfile(2) per block
   on Linux. When that call fails before sending a byte, the file is checked then, so an
   offset past the end is still ENODATA and a descriptor closed since sfb_prepare() is
   EBADF. Other requests stat the file once per call (to resolve nbytes 0, and to refuse an
   offset past the end before headers go out). */
SFB_API int sfb_sendfile_prepared(const struct sfb_prepared* prepared,
                                  const struct sfb_request* request, struct sfb_result* result);

/* The simple form, modelled on pysendfile's sendfile(out, in, offset, nbytes):
     - sends up to `nbytes` file bytes from `offset`, with no headers or trailers;
     - `nbytes` 0 means "up to the end of the file" (as on FreeBSD and macOS). Linux's
       sendfile(2), and pysendfile and os.sendfile() on Linux, send nothing for a count of 0;
     - a negative `offset` means "from the file's current position", which the call then
       advances past the bytes sent, like Linux's sendfile(2) with a NULL offset pointer (or
       os.sendfile() with offset None). pysendfile, os.sendfile() and Linux's sendfile(2) with
       a pointer to a negative offset fail with EINVAL instead;
     - a non-negative `offset` leaves the file position alone.
   Returns the bytes sent (short at the end of the file, 0 at or past it), or -1 with errno
   set when nothing was sent; a call that sent some bytes and then failed returns the count
   and drops the error, as write() does (the next call reports it). Descriptors are checked
   as by sfb_sendfile(), so /dev/zero or a pipe as in_fd is -1 with EINVAL, where Linux's
   sendfile(2) would read them. SIGPIPE is never raised (EPIPE instead). */
SFB_API int64_t sfb_sendfile_simple(int out_fd, int in_fd, int64_t offset, uint64_t nbytes);

/* Capabilities of the backend this build uses natively. */
enum {
    SFB_CAP_NATIVE = 1 << 0, /* a native sendfile call is compiled in */
    /* headers/trailers go out on the native path, not through the emulation: inside the
       call on FreeBSD, macOS, Solaris and AIX; around it with MSG_MORE and TCP_CORK on Linux */
    SFB_CAP_HEADERS_NATIVE = 1 << 1,
    SFB_CAP_FLAGS = 1 << 2,         /* the SFB_NODISKIO... flags are honoured */
    SFB_CAP_FILE_POSITION = 1 << 3, /* SFB_USE_FILE_POSITION works natively */
    SFB_CAP_EMULATION = 1 << 4      /* the emulation is available (always) */
};

/* The native backend's name: "linux", "freebsd", "darwin", "solaris", "aix" or "emulated". */
SFB_API const char* sfb_backend_name(void);
/* A bit set of SFB_CAP_* values. */
SFB_API int sfb_capabilities(void);
/* The library's version, "MAJOR.MINOR.PATCH". */
SFB_API const char* sfb_version(void);

#ifdef __cplusplus
}
#endif

#endif /* SFB_SENDFILE_H */
