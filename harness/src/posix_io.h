// The harness's raw I/O: whole reads and writes. Every read, write and wait of the harness
// retries EINTR through <sfb/retry.h> (sfb installs a Ctrl-C handler, process.cpp, so any
// blocking call can be interrupted), and its descriptors are <sfb/unique_fd.h>'s.
#pragma once

#include <functional>
#include <string_view>

namespace sfb::harness {

// Reads `fd` to its end, handing each chunk to on_chunk (which may throw to stop early).
// 0 at the end of the file, else the errno of the read that failed.
int read_to_end(int fd, const std::function<void(std::string_view)>& on_chunk);

// Writes all of `data` to `fd`: 0, else the errno of the write that failed.
int write_all(int fd, std::string_view data);

}  // namespace sfb::harness
