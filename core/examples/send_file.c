/*
 * send_file: the C ABI in a complete program. Sends FILE to the socket on standard output,
 * framed by a header line (the file's size) and a trailer line ("end"), in one call:
 *
 *     send_file FILE >/dev/tcp/HOST/PORT     (bash opens the TCP connection)
 *
 * The socket is blocking, so one call sends everything or fails; with a non-blocking socket
 * the call returns EAGAIN with the count already sent, and the caller polls and resumes.
 */
#define _POSIX_C_SOURCE 200809L

#include <fcntl.h>
#include <sfb/sendfile.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char** argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s FILE >SOCKET\n", argv[0]);
        return 2;
    }
    int in = open(argv[1], O_RDONLY);
    struct stat st;
    if (in < 0 || fstat(in, &st) != 0) {
        perror(argv[1]);
        return 1;
    }
    char size_line[32];
    int size_len = snprintf(size_line, sizeof size_line, "%lld\n", (long long)st.st_size);

    struct sfb_buffer header = {size_line, (size_t)size_len};
    struct sfb_buffer trailer = {"end\n", 4};
    struct sfb_request request = {0};
    request.out_fd = STDOUT_FILENO;
    request.in_fd = in;
    request.offset = 0;
    request.nbytes = 0; /* 0: up to the end of the file */
    request.headers = &header;
    request.header_count = 1;
    request.trailers = &trailer;
    request.trailer_count = 1;

    struct sfb_result result;
    if (sfb_sendfile(&request, &result) != 0) {
        fprintf(stderr, "send_file: %s after %llu bytes\n", strerror(result.error),
                (unsigned long long)result.bytes_sent);
        return 1;
    }
    fprintf(stderr, "send_file: %llu bytes (%llu from the file) with the %s backend\n",
            (unsigned long long)result.bytes_sent, (unsigned long long)result.file_bytes,
            result.used_native ? sfb_backend_name() : "emulated");
    close(in);
    return 0;
}
