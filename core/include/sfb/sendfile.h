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
    /* 0 on success, else an errno value. EAGAIN: a non-blocking socket is full, `bytes_sent`
       went out, call again for the rest (see `already_sent`). Both counts are this call's
       alone. ENODATA: the file ended before `nbytes` bytes were
       sent; the headers and the file bytes that existed went out and the trailers did not,
       so a framing protocol never sees a trailer after missing data. An `offset` past the
       end of the file is ENODATA before anything is sent. EBADF: a descriptor is not open,
       or not open for reading (in_fd) or writing (out_fd). ENOTSOCK: out_fd is not a socket.
       EISDIR: in_fd is a directory. EINVAL: in_fd is not a regular file, a negative offset,
       an unknown flag, or a NULL buffer with a size. ENOTSUP: a flag this OS lacks. EPIPE or
       ECONNRESET: the peer went away (never a SIGPIPE). */
    int error;
    /* 1 when the native call was used, 0 when the emulation was (forced or as a fallback). */
    int used_native;
};

/* Sends as described above. Returns 0 or the errno value also stored in result->error, and
   sets errno to it. Signals never interrupt it (EINTR is retried inside) and a peer that
   goes away gives EPIPE or ECONNRESET, never SIGPIPE. A NULL request or result gives EINVAL. */
SFB_API int sfb_sendfile(const struct sfb_request* request, struct sfb_result* result);

/* The simple form, pysendfile's: sends up to `nbytes` file bytes from `offset` (negative: from
   the file's current position). Returns the bytes sent (0 at end of file), or -1 with errno
   set when nothing was sent. */
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
