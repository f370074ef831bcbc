// Declarations of the other systems' sendfile interfaces, written from their manual pages, so
// that the FreeBSD, macOS, Solaris and AIX backends compile on Linux. nginx does the same for
// Solaris's sendfilev (NGX_TEST_BUILD_SOLARIS_SENDFILEV). Only the SFB_FOREIGN_CHECK build
// (CMake option SFB_FOREIGN_BACKENDS_CHECK) includes this header. The calls declared here are
// defined nowhere in the library: core/tests/foreign defines each of them, one per test
// program, as a simulation of that system's call on Linux, and links it with its backend.
//
// A backend names its system by defining one SFB_FOREIGN_<OS> macro before including this
// header, and gets the names spelt as that system's own headers spell them (global scope, C
// linkage, flags as macros), so one source compiles unchanged in both builds. Each system has
// its own section because FreeBSD's and macOS's sendfile() have different signatures, and
// neither may meet glibc's sendfile() from <sys/sendfile.h> in the same translation unit.
#pragma once

#if !defined(SFB_FOREIGN_CHECK)
#error "foreign_decls.h serves only the SFB_FOREIGN_CHECK build; use the system's own headers"
#endif
#if defined(_SYS_SENDFILE_H)
#error "glibc's <sys/sendfile.h> declares a different sendfile(); keep it out of this file's users"
#endif

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <cstdint>

#if defined(SFB_FOREIGN_FREEBSD) || defined(SFB_FOREIGN_DARWIN)
// FreeBSD sendfile(2) and macOS sendfile(2), both from <sys/socket.h>.
struct sf_hdtr {
    struct iovec* headers;  // header iovecs, sent before the file data
    int hdr_cnt;
    struct iovec* trailers;  // trailer iovecs, sent after it
    int trl_cnt;
};
#endif

#if defined(SFB_FOREIGN_FREEBSD)
// FreeBSD 11 and later; DragonFly declares the same call and structure but none of the flags
// (compiling with -D__DragonFly__ checks that branch of freebsd.cpp).
#if !defined(__DragonFly__)
#define SF_NODISKIO 0x00000001
#define SF_MNOWAIT 0x00000002
#define SF_SYNC 0x00000004
#define SF_NOCACHE 0x00000010
#endif
extern "C" int sendfile(int fd, int s, off_t offset, size_t nbytes, struct sf_hdtr* hdtr,
                        off_t* sbytes, int flags);
#endif

#if defined(SFB_FOREIGN_DARWIN)
// macOS: `len` is value-result (bytes wanted in, bytes sent out, headers included); flags
// must be 0.
extern "C" int sendfile(int fd, int s, off_t offset, off_t* len, struct sf_hdtr* hdtr, int flags);
#endif

#if defined(SFB_FOREIGN_SOLARIS)
// Solaris and illumos sendfilev(3EXT), <sys/sendfile.h>, in libsendfile (-lsendfile).
typedef struct sendfilevec {
    int sfv_fd;             // input descriptor, or SFV_FD_SELF for a buffer of this process
    unsigned int sfv_flag;  // reserved, 0
    off_t sfv_off;          // file offset, or the buffer's address for SFV_FD_SELF
    size_t sfv_len;         // bytes to send from this entry
} sendfilevec_t;
#define SFV_FD_SELF (-2)
extern "C" ssize_t sendfilev(int fildes, const struct sendfilevec* vec, int sfvcnt,
                             size_t* xferred);
#endif

#if defined(SFB_FOREIGN_AIX)
// AIX send_file(), <sys/socket.h>, in the layout of a 64-bit (or _LONG_LONG) compilation.
struct sf_parms {
    void* header_data;            // in/out: header buffer
    unsigned int header_length;   // in/out: its length
    int file_descriptor;          // in: the file
    std::uint64_t file_size;      // out: the file's size
    std::uint64_t file_offset;    // in/out: where to start
    std::int64_t file_bytes;      // in/out: bytes to send, -1 for "to the end of the file"
    void* trailer_data;           // in/out: trailer buffer
    unsigned int trailer_length;  // in/out: its length
    std::uint64_t bytes_sent;     // out: bytes sent by this call
};
#define SF_CLOSE 0x00000001
#define SF_REUSE 0x00000002
#define SF_DONT_CACHE 0x00000004
#define SF_SYNC_CACHE 0x00000008
extern "C" ssize_t send_file(int* socket_p, struct sf_parms* sf_iobuf, unsigned int flags);
#endif
