#include "posix_io.h"

#include <sfb/retry.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>

namespace sfb::harness {

int read_to_end(int fd, const std::function<void(std::string_view)>& on_chunk) {
    char buffer[65536];
    for (;;) {
        const ssize_t n = retry_on_eintr([&] { return ::read(fd, buffer, sizeof buffer); });
        if (n < 0) {
            return errno;
        }
        if (n == 0) {
            return 0;
        }
        on_chunk(std::string_view(buffer, static_cast<std::size_t>(n)));
    }
}

int write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        const ssize_t n = retry_on_eintr([&] { return ::write(fd, data.data(), data.size()); });
        if (n < 0) {
            return errno;
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return 0;
}

}  // namespace sfb::harness
