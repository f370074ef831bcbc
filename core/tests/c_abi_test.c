/*
 * The C ABI seen from C11, linked against the shared library: the struct layout other
 * languages rely on, NULL handling, capability queries, and two real transfers (native and
 * emulated) over a loopback TCP connection to a forked receiver that checks every byte.
 * Each failed check exits non-zero; alarm() turns a hang into a failure.
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sfb/sendfile.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(cond)                                                                            \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "%s:%d: check failed: %s (errno %d)\n", __FILE__, __LINE__, #cond, \
                    errno);                                                                    \
            exit(1);                                                                           \
        }                                                                                      \
    } while (0)

enum { kFileSize = 1024 * 1024 + 13, kTransfers = 2 };
static const char kHeader[] = "HEADER:";
static const char kTrailer[] = ":TRAILER";

static unsigned char file_byte(size_t i) {
    return (unsigned char)(((uint64_t)i * 2654435761u) >> 13);
}

/* What one transfer puts on the wire. */
static size_t expected_transfer(unsigned char* out) {
    size_t n = 0;
    memcpy(out, kHeader, sizeof kHeader - 1);
    n += sizeof kHeader - 1;
    for (size_t i = 0; i < kFileSize; ++i) {
        out[n++] = file_byte(i);
    }
    memcpy(out + n, kTrailer, sizeof kTrailer - 1);
    return n + sizeof kTrailer - 1;
}

/* The forked receiver: accepts one connection, reads to the end, compares. */
static int receive_and_check(int listener) {
    int conn = accept(listener, NULL, NULL);
    if (conn < 0) {
        return 10;
    }
    size_t one = sizeof kHeader - 1 + kFileSize + sizeof kTrailer - 1;
    unsigned char* expected = malloc(one * kTransfers);
    unsigned char* got = malloc(one * kTransfers + 1);
    if (expected == NULL || got == NULL) {
        return 11;
    }
    for (int i = 0; i < kTransfers; ++i) {
        expected_transfer(expected + one * (size_t)i);
    }
    size_t have = 0;
    for (;;) {
        ssize_t n = read(conn, got + have, one * kTransfers + 1 - have);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        have += (size_t)n;
        if (have > one * kTransfers) {
            break;
        }
    }
    int status = (have == one * kTransfers && memcmp(got, expected, have) == 0) ? 0 : 12;
    free(expected);
    free(got);
    close(conn);
    return status;
}

static int make_file(void) {
    const char* dir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/sfb-c-abi-XXXXXX", dir != NULL && *dir != '\0' ? dir : "/tmp");
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    CHECK(unlink(path) == 0);
    unsigned char* data = malloc(kFileSize);
    CHECK(data != NULL);
    for (size_t i = 0; i < kFileSize; ++i) {
        data[i] = file_byte(i);
    }
    CHECK(write(fd, data, kFileSize) == (ssize_t)kFileSize);
    free(data);
    return fd;
}

static void check_layout(void) {
    /* The layout that Python ctypes, Rust and others declare on their side (LP64). */
#if defined(__LP64__)
    CHECK(offsetof(struct sfb_request, out_fd) == 0);
    CHECK(offsetof(struct sfb_request, in_fd) == 4);
    CHECK(offsetof(struct sfb_request, offset) == 8);
    CHECK(offsetof(struct sfb_request, nbytes) == 16);
    CHECK(offsetof(struct sfb_request, headers) == 24);
    CHECK(offsetof(struct sfb_request, header_count) == 32);
    CHECK(offsetof(struct sfb_request, trailers) == 40);
    CHECK(offsetof(struct sfb_request, trailer_count) == 48);
    CHECK(offsetof(struct sfb_request, flags) == 56);
    CHECK(offsetof(struct sfb_request, already_sent) == 64);
    CHECK(sizeof(struct sfb_request) == 72);
    CHECK(offsetof(struct sfb_result, file_bytes) == 8);
    CHECK(offsetof(struct sfb_result, error) == 16);
    CHECK(offsetof(struct sfb_result, used_native) == 20);
    CHECK(sizeof(struct sfb_result) == 24);
    CHECK(sizeof(struct sfb_buffer) == 16);
#endif
    /* Four 32-bit fields on every ABI. */
    CHECK(offsetof(struct sfb_prepared, out_fd) == 0);
    CHECK(offsetof(struct sfb_prepared, in_fd) == 4);
    CHECK(offsetof(struct sfb_prepared, state) == 8);
    CHECK(offsetof(struct sfb_prepared, reserved) == 12);
    CHECK(sizeof(struct sfb_prepared) == 16);
}

int main(void) {
    alarm(50); /* under ctest's TIMEOUT of 60 s: a hang fails here first */
    check_layout();

    CHECK(sfb_version() != NULL && strlen(sfb_version()) >= 5);
    CHECK(sfb_backend_name() != NULL);
    const int caps = sfb_capabilities();
    CHECK((caps & SFB_CAP_EMULATION) != 0);
#ifdef __linux__
    CHECK(strcmp(sfb_backend_name(), "linux") == 0);
    CHECK((caps & SFB_CAP_NATIVE) != 0);
#endif

    struct sfb_result result;
    errno = 0;
    CHECK(sfb_sendfile(NULL, &result) == EINVAL && result.error == EINVAL && errno == EINVAL);
    struct sfb_request request = {0};
    CHECK(sfb_sendfile(&request, NULL) == EINVAL);
    errno = 0;
    CHECK(sfb_sendfile_simple(-1, -1, 0, 10) == -1 && errno == EBADF);

    int file = make_file();

    int listener = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(listener >= 0);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    CHECK(bind(listener, (struct sockaddr*)&addr, sizeof addr) == 0);
    CHECK(listen(listener, 1) == 0);
    CHECK(getsockname(listener, (struct sockaddr*)&addr, &len) == 0);

    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        _exit(receive_and_check(listener));
    }
    close(listener);

    int sock = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(sock >= 0);
    CHECK(connect(sock, (struct sockaddr*)&addr, sizeof addr) == 0);

    /* A prepared pair through the C ABI: /dev/zero is refused up front, and a handle
       sfb_prepare() refused stays refused, with nothing sent (the receiver checks the bytes). */
    struct sfb_prepared pair;
    int zero = open("/dev/zero", O_RDONLY);
    CHECK(zero >= 0);
    errno = 0;
    CHECK(sfb_prepare(sock, zero, &pair) == EINVAL && errno == EINVAL);
    memset(&request, 0, sizeof request);
    request.out_fd = sock;
    request.in_fd = zero;
    request.nbytes = 4096;
    CHECK(sfb_sendfile_prepared(&pair, &request, &result) == EINVAL && result.bytes_sent == 0);
    CHECK(sfb_sendfile(&request, &result) == EINVAL && result.bytes_sent == 0);
    close(zero);
    CHECK(sfb_prepare(sock, file, &pair) == 0 && pair.out_fd == sock && pair.in_fd == file);

    struct sfb_buffer header = {kHeader, sizeof kHeader - 1};
    struct sfb_buffer trailer = {kTrailer, sizeof kTrailer - 1};
    const int flags[kTransfers] = {0, SFB_FORCE_EMULATION};
    for (int i = 0; i < kTransfers; ++i) {
        memset(&request, 0, sizeof request);
        request.out_fd = sock;
        request.in_fd = file;
        request.offset = 0;
        request.nbytes = kFileSize;
        request.headers = &header;
        request.header_count = 1;
        request.trailers = &trailer;
        request.trailer_count = 1;
        request.flags = flags[i];
        CHECK(sfb_sendfile(&request, &result) == 0);
        CHECK(result.error == 0);
        CHECK(result.bytes_sent == sizeof kHeader - 1 + kFileSize + sizeof kTrailer - 1);
        CHECK(result.file_bytes == kFileSize);
        CHECK(result.used_native == ((caps & SFB_CAP_NATIVE) != 0 && flags[i] == 0 ? 1 : 0));
    }
    CHECK(close(sock) == 0);

    int status = 0;
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status));
    if (WEXITSTATUS(status) != 0) {
        fprintf(stderr, "receiver failed with %d\n", WEXITSTATUS(status));
        return 1;
    }
    close(file);
    puts("c_abi_test: ok");
    return 0;
}
